using ClipNet.Checkpoints;
using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>Running the reference ViT in bf16 and at other image sizes.</summary>
public class ModelVariantsTests
{
    [Fact]
    public void BFloat16WeightsStayCloseToTheReferenceWithLayerNormInFloat32()
    {
        var model = ReferenceModels.Build("vit", ScalarType.BFloat16);
        var inputs = ReferenceModels.Inputs("vit");
        var expected = ReferenceModels.Expected("vit");
        using var _ = torch.no_grad();
        Assert.Equal(ScalarType.BFloat16, model.visual.parameters().First().dtype);
        var normalized = ClipModel.Normalize(model.EncodeImage(inputs["pixel_values"]).to_type(ScalarType.Float32));
        // bf16 keeps 8 bits of mantissa: a few 1e-2 on unit vectors is its expected rounding, not an error.
        FixtureTensors.AssertClose(expected["image_features_normalized"], normalized, 3e-2, 0, "bf16 image_features_normalized");
        var text = ClipModel.Normalize(model.EncodeText(inputs["input_ids"].to_type(ScalarType.Int64)).to_type(ScalarType.Float32));
        FixtureTensors.AssertClose(expected["text_features_normalized"], text, 3e-2, 0, "bf16 text_features_normalized");
    }

    [Fact]
    public void PositionalEmbeddingIsInterpolatedForAnotherImageSize()
    {
        var model = ReferenceModels.Build("vit", ScalarType.Float32);
        var vit = model.VisionTransformer!;
        var classPosition = vit.positional_embedding[0].clone();
        using (torch.no_grad()) vit.positional_embedding[1..].fill_(0.25);   // a constant grid stays constant under bicubic resampling
        vit.ResizePositionalEmbedding(48);
        Assert.Equal(new long[] { 37, 128 }, vit.positional_embedding.shape);
        Assert.Equal(48, vit.ImageSize);
        Assert.True((vit.positional_embedding[0] == classPosition).all().item<bool>());
        FixtureTensors.AssertClose(torch.full(36, 128, 0.25f), vit.positional_embedding[1..].detach(), 1e-6, 0, "resized grid");
        using var _ = torch.no_grad();
        Assert.Equal(new long[] { 2, 32 }, model.EncodeImage(torch.randn(2, 3, 48, 48)).shape);
        var error = Assert.Throws<ClipNetException>(() => model.EncodeImage(torch.randn(1, 3, 32, 32)));
        Assert.Contains("[N, 3, 48, 48]", error.Message);
    }

    [Fact]
    public void ResizingTwiceToTheOriginalSizeIsCloseToTheOriginal()
    {
        var vit = ReferenceModels.Build("vit", ScalarType.Float32).VisionTransformer!;
        long grid = (long)Math.Sqrt(vit.positional_embedding.shape[0] - 1), channels = vit.positional_embedding.shape[1];
        // A smooth field over the position grid, different in every channel, as learned positions are.
        var rows = torch.linspace(0, 1, grid).reshape(grid, 1, 1);
        var columns = torch.linspace(0, 1, grid).reshape(1, grid, 1);
        var phase = torch.linspace(0, 3, channels).reshape(1, 1, channels);
        using var two = 2.0.ToScalar();
        var field = torch.sin(rows.mul(two).add(phase)).add(torch.cos(columns.add(phase))).reshape(grid * grid, channels);
        using (torch.no_grad()) vit.positional_embedding[1..].copy_(field);
        var original = vit.positional_embedding.detach().clone();

        vit.ResizePositionalEmbedding(vit.ImageSize * 3);
        Assert.Equal(grid * 3 * grid * 3 + 1, vit.positional_embedding.shape[0]);
        vit.ResizePositionalEmbedding(vit.ImageSize / 3);

        Assert.Equal(original.shape, vit.positional_embedding.shape);
        double range = original[1..].max().item<float>() - original[1..].min().item<float>();
        double error = (vit.positional_embedding - original).abs().max().item<float>();
        Assert.True(error < 0.05 * range, $"round trip moved a position by {error:G3}, {error / range:P1} of the field's range");
        Assert.True((vit.positional_embedding[0] == original[0]).all().item<bool>(), "the class token's position is kept");
    }

    [Fact]
    public void ResizingToTheSameSizeChangesNothingAndOtherSizesMustBeMultiplesOfThePatch()
    {
        var vit = ReferenceModels.Build("vit", ScalarType.Float32).VisionTransformer!;
        var original = vit.positional_embedding.detach().clone();
        vit.ResizePositionalEmbedding(vit.ImageSize);
        Assert.True((vit.positional_embedding == original).all().item<bool>(), "same size must be a no-op");
        Assert.Throws<ClipNetException>(() => vit.ResizePositionalEmbedding(vit.ImageSize - 2));
    }
}
