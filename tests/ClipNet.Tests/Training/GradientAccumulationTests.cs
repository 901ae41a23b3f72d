using ClipNet.Training;
using ClipNet.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Training;

/// <summary>GradCache-style accumulation must give the gradients of one big batch, not of independent small ones.</summary>
public class GradientAccumulationTests
{
    static Dictionary<string, Tensor> Gradients(int microBatch, TowerLock towerLock, ScalarType? compute = null)
    {
        var model = TinyModels.Create(11);
        model.train();
        if (towerLock == TowerLock.Image) foreach (var p in model.visual.parameters()) p.requires_grad = false;
        var (pixels, ids) = TinyModels.RandomPairs(12, seed: 12);
        LossOutput loss;
        using (model.Precision.Use(compute))
            loss = new ContrastiveStep(model, LossKind.Contrastive, towerLock, microBatch).Run(new TrainingBatch(pixels, ids));
        Assert.True(loss.Loss.item<float>() > 0);
        return model.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.clone());
    }

    [Theory]
    [InlineData(TowerLock.None)]
    [InlineData(TowerLock.Image)]
    public void MicroBatchesGiveTheBigBatchGradients(TowerLock towerLock)
    {
        var whole = Gradients(0, towerLock);
        var accumulated = Gradients(5, towerLock);   // 5 + 5 + 2: uneven on purpose
        Assert.Equal(whole.Keys.Order(), accumulated.Keys.Order());
        Assert.Equal(towerLock == TowerLock.Image, !whole.Keys.Any(k => k.StartsWith("visual.")));
        // Float32 sums taken in another order: allow a few ulps of the largest gradient element.
        foreach (var (name, grad) in whole)
            FixtureTensors.AssertClose(grad, accumulated[name], 2e-6 * grad.abs().max().item<float>(), 1e-4, name);
    }

    /// <summary>
    /// In bf16 each weight is cast once per step and that cast serves every micro-batch's forward and backward pass:
    /// the float32 gradients must still be the whole batch's (to bf16's precision), neither lost nor counted twice.
    /// </summary>
    [Fact]
    public void MicroBatchesGiveTheBigBatchGradientsInBFloat16()
    {
        var whole = Gradients(0, TowerLock.None, ScalarType.BFloat16);
        var accumulated = Gradients(5, TowerLock.None, ScalarType.BFloat16);
        var float32 = Gradients(0, TowerLock.None);
        Assert.Equal(whole.Keys.Order(), accumulated.Keys.Order());
        foreach (var (name, grad) in whole)
        {
            Assert.Equal(ScalarType.Float32, accumulated[name].dtype);
            double scale = float32[name].abs().max().item<float>();
            FixtureTensors.AssertClose(grad, accumulated[name], 0.03 * scale, 0, name);
            FixtureTensors.AssertClose(float32[name], accumulated[name], 0.06 * scale, 0, name);
        }
    }

    [Fact]
    public void IndependentSmallBatchesWouldNotMatch()
    {
        // The check above could pass vacuously if the loss ignored the other micro-batches; show it does not.
        var whole = Gradients(0, TowerLock.None);
        var model = TinyModels.Create(11);
        model.train();
        var (pixels, ids) = TinyModels.RandomPairs(12, seed: 12);
        foreach (var (p, i) in pixels.split(6).Zip(ids.split(6)))
            new ContrastiveStep(model, LossKind.Contrastive, TowerLock.None, 0).Run(new TrainingBatch(p, i));
        var grad = model.named_parameters().First(p => p.name == "text_projection").parameter.grad!;
        Assert.True((grad - whole["text_projection"]).abs().max().item<float>() > 1e-3);
    }
}
