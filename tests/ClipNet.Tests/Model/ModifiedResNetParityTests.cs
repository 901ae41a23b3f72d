using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>
/// The tiny random ResNet CLIP of `fixtures/models/rn` (BatchNorm in eval mode, with running statistics and affine
/// weights away from 0 and 1) against the reference; frozen, with its BatchNorms folded into the convolutions as
/// <see cref="Clip.Load(string, ScalarType, Device?, ClipNet.Hub.HubSettings?)"/> leaves it, and not.
/// </summary>
public class ModifiedResNetParityTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float32MatchesTheReferenceStageByStage(bool frozen)
    {
        var model = ReferenceModels.Build("rn", ScalarType.Float32);
        if (frozen) model.FreezeForInference();
        var inputs = ReferenceModels.Inputs("rn");
        var expected = ReferenceModels.Expected("rn");
        using var _ = torch.no_grad();
        var pixels = inputs["pixel_values"];
        var ids = inputs["input_ids"].to_type(ScalarType.Int64);
        var resnet = model.ResNet!;

        var x = resnet.Stem(pixels);
        FixtureTensors.AssertClose(expected["vision.stem_out"], x, 1e-4, 1e-4, "vision.stem_out");
        for (int stage = 0; stage < 4; stage++)
        {
            x = resnet.Stages[stage].forward(x);
            FixtureTensors.AssertClose(expected[$"vision.layer{stage + 1}_out"], x, 1e-4, 1e-4, $"vision.layer{stage + 1}_out");
        }
        FixtureTensors.AssertClose(expected["image_features"], model.EncodeImage(pixels), 1e-4, 1e-4, "image_features");
        FixtureTensors.AssertClose(expected["text_features"], model.EncodeText(ids), 1e-4, 1e-4, "text_features");
        FixtureTensors.AssertClose(expected["image_features_normalized"], ClipModel.Normalize(model.EncodeImage(pixels)), 1e-5, 0, "image_features_normalized");
        var (perImage, perText) = model.forward(pixels, ids);
        FixtureTensors.AssertClose(expected["logits_per_image"], perImage, 1e-4, 1e-4, "logits_per_image");
        FixtureTensors.AssertClose(expected["logits_per_text"], perText, 1e-4, 1e-4, "logits_per_text");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float64MatchesTheFloat64ReferenceTo1e9Relative(bool frozen)
    {
        var model = ReferenceModels.Build("rn", ScalarType.Float64);
        if (frozen) model.FreezeForInference();
        var inputs = ReferenceModels.Inputs("rn");
        var expected = ReferenceModels.ExpectedFloat64("rn");
        using var _ = torch.no_grad();
        var pixels = inputs["pixel_values"].to_type(ScalarType.Float64);
        var ids = inputs["input_ids"].to_type(ScalarType.Int64);
        var layer4 = model.ResNet!.Stages.Aggregate(model.ResNet.Stem(pixels), (x, stage) => stage.forward(x));
        var results = new Dictionary<string, Tensor>
        {
            ["vision.layer4_out"] = layer4,
            ["image_features"] = model.EncodeImage(pixels),
            ["text_features"] = model.EncodeText(ids),
            ["logits_per_image"] = model.forward(pixels, ids).LogitsPerImage,
        };
        foreach (var (key, actual) in results)
        {
            Assert.True(actual.dtype == ScalarType.Float64, $"{key} is {actual.dtype}");
            double error = FixtureTensors.MaxRelativeError(expected[key], actual);
            Assert.True(error <= 1e-9, $"{key}: relative error {error:E2} > 1e-9");
        }
    }
}
