using ClipNet.Model;
using ClipNet.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// Computes the loss of one batch and accumulates its gradients into the model's parameters.
/// With micro-batches it keeps full-batch contrastive semantics (GradCache): every micro-batch is embedded
/// without gradients, the loss is taken over the whole batch against those cached embeddings, and then each
/// micro-batch is re-embedded with gradients and back-propagated with its slice of the cached embedding
/// gradients. Peak memory is one micro-batch's activations; the gradients equal one big batch's.
/// </summary>
public sealed class ContrastiveStep(ClipModel model, LossKind loss, TowerLock towerLock, int microBatchSize)
{
    public LossOutput Run(TrainingBatch batch)
    {
        long n = batch.Count;
        if (microBatchSize <= 0 || microBatchSize >= n)
        {
            var output = Loss(EncodeImages(batch.Pixels), EncodeTexts(batch.TokenIds));
            output.Loss.backward();
            return Detached(output);
        }

        var imageChunks = batch.Pixels.split(microBatchSize);
        var textChunks = batch.TokenIds.split(microBatchSize);
        Tensor cachedImages, cachedTexts;
        using (torch.no_grad())
        {
            cachedImages = torch.cat(imageChunks.Select(EncodeImages).ToArray());
            cachedTexts = torch.cat(textChunks.Select(EncodeTexts).ToArray());
        }
        cachedImages.requires_grad_(towerLock != TowerLock.Image);
        cachedTexts.requires_grad_(towerLock != TowerLock.Text);
        var result = Loss(cachedImages, cachedTexts);
        result.Loss.backward();   // gradients w.r.t. the cached embeddings, and the temperature's own

        for (int i = 0; i < imageChunks.Length; i++)
        {
            using var scope = NewDisposeScope();
            var surrogate = torch.zeros([], device: model.Device);
            if (towerLock != TowerLock.Image)
                surrogate = surrogate.Plus((EncodeImages(imageChunks[i]) * cachedImages.grad!.split(microBatchSize)[i]).sum());
            if (towerLock != TowerLock.Text)
                surrogate = surrogate.Plus((EncodeTexts(textChunks[i]) * cachedTexts.grad!.split(microBatchSize)[i]).sum());
            // d(surrogate)/dθ = Σ (∂loss/∂embedding)·(∂embedding/∂θ): the chain rule, one micro-batch at a time.
            surrogate.backward();
        }
        return Detached(result);
    }

    Tensor EncodeImages(Tensor pixels)
    {
        if (towerLock != TowerLock.Image) return model.EncodeImage(pixels);
        using var _ = torch.no_grad();
        return model.EncodeImage(pixels);
    }

    Tensor EncodeTexts(Tensor ids)
    {
        if (towerLock != TowerLock.Text) return model.EncodeText(ids);
        using var _ = torch.no_grad();
        return model.EncodeText(ids);
    }

    LossOutput Loss(Tensor images, Tensor texts) => loss == LossKind.Sigmoid
        ? SigmoidLoss.Compute(images, texts, model.logit_scale,
            model.logit_bias ?? throw new InvalidOperationException("the sigmoid loss needs a model with logit_bias"))
        : ContrastiveLoss.Compute(images, texts, model.logit_scale);

    static LossOutput Detached(LossOutput o) =>
        new(o.Loss.detach(), o.ImageToText.detach(), o.TextToImage.detach(), o.LogitsPerImage.detach());
}
