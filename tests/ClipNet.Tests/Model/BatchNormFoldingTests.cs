using ClipNet.Checkpoints;
using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>
/// A ResNet frozen for inference runs each convolution and its BatchNorm as one folded convolution
/// (<see cref="ConvolutionWithBatchNorm"/>). Its outputs against the reference are in <see cref="ModifiedResNetParityTests"/>;
/// these check that the folded copies follow the weights and never reach training or saved weights.
/// </summary>
public class BatchNormFoldingTests
{
    static Dictionary<string, Tensor> FixtureWeights() =>
        FixtureTensors.ReadAll(Path.Combine(ReferenceModels.Dir("rn"), "weights_openai.safetensors"));

    static Tensor Pixels() => ReferenceModels.Inputs("rn")["pixel_values"];

    [Fact]
    public void ClipLoadFreezesAResNetAndLeavesItsWeightsAsLoaded()
    {
        using var clip = Clip.Load(Path.Combine(ReferenceModels.Dir("rn"), "weights_openai.safetensors"));
        Assert.True(clip.Model.ResNet!.IsFolded);
        Assert.False(clip.Model.training);

        var file = FixtureWeights();
        var state = clip.Model.state_dict();
        Assert.Equal(file.Keys.Where(k => k.StartsWith("visual.")).Order(), state.Keys.Where(k => k.StartsWith("visual.")).Order());
        foreach (var name in new[] { "visual.conv1.weight", "visual.layer1.0.conv3.weight", "visual.layer2.0.downsample.0.weight", "visual.bn1.running_var" })
            Assert.True(state[name].equal(file[name]).all().item<bool>(), $"{name} differs from the file after freezing");
    }

    [Fact]
    public void TrainingAFrozenModelUnfoldsItSoTheBatchNormsLearnAgain()
    {
        var model = ReferenceModels.Build("rn", ScalarType.Float32);
        model.FreezeForInference();
        model.train();
        Assert.False(model.ResNet!.IsFolded);

        var before = model.ResNet.bn1.running_mean.clone();
        model.EncodeImage(Pixels()).sum().backward();
        Assert.False(model.ResNet.bn1.running_mean.allclose(before), "training-mode BatchNorm did not update its running mean");
        Assert.NotNull(model.ResNet.conv1.weight!.grad);
        Assert.NotNull(model.ResNet.bn1.weight.grad);
        Assert.True(model.ResNet.bn1.weight.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void LoadingNewWeightsIntoAFrozenModelFoldsThemAgain()
    {
        var model = ReferenceModels.Build("rn", ScalarType.Float32);
        model.FreezeForInference();
        using var _ = torch.no_grad();
        var pixels = Pixels();
        var original = model.EncodeImage(pixels);

        var changed = FixtureWeights();
        changed["visual.bn1.weight"] = changed["visual.bn1.weight"].mul(TensorArithmetic.Two);
        changed["visual.layer1.0.bn2.running_mean"] = changed["visual.layer1.0.bn2.running_mean"].neg();
        changed["visual.layer1.0.conv1.weight"] = changed["visual.layer1.0.conv1.weight"].neg();
        WeightAssignment.Assign(model, changed, "changed weights");
        var unfrozen = ReferenceModels.Build("rn", ScalarType.Float32);
        WeightAssignment.Assign(unfrozen, changed, "changed weights");

        Assert.True(model.ResNet!.IsFolded);
        Assert.False(unfrozen.ResNet!.IsFolded);
        var expected = unfrozen.EncodeImage(pixels);
        Assert.False(expected.allclose(original, rtol: 0, atol: 1e-3), "the changed weights should change the embedding");
        FixtureTensors.AssertClose(expected, model.EncodeImage(pixels), 1e-5, 1e-5, "frozen model after loading new weights");
    }

    [Fact]
    public void MovingAFrozenModelToAnotherTypeFoldsAgainInThatType()
    {
        var frozen = ReferenceModels.Build("rn", ScalarType.Float32);
        frozen.FreezeForInference();
        var unfrozen = ReferenceModels.Build("rn", ScalarType.Float32);
        using var _ = torch.no_grad();
        frozen.EncodeImage(Pixels()).Dispose();
        frozen.to(ScalarType.Float64);
        unfrozen.to(ScalarType.Float64);

        var pixels = Pixels().to_type(ScalarType.Float64);
        var actual = frozen.EncodeImage(pixels);
        Assert.Equal(ScalarType.Float64, actual.dtype);
        double error = FixtureTensors.MaxRelativeError(unfrozen.EncodeImage(pixels), actual);
        Assert.True(error <= 1e-9, $"relative error {error:E2} > 1e-9");
    }
}
