using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>
/// Patches of 14 px or more are embedded as one matrix product (VisionTransformer.EmbedPatches says why); the
/// reference fixtures' ViT has 8 px patches, so these compare that product with libtorch's own convolution.
/// </summary>
public class PatchEmbeddingTests
{
    static (VisionTransformer Vit, MixedPrecision Precision, Tensor Pixels) Build(int patch)
    {
        torch.manual_seed(4);
        var precision = new MixedPrecision();
        var config = new VisionConfig { ImageSize = 4 * patch, Width = 64, Layers = 1, PatchSize = patch, HeadWidth = 32 };
        var vit = new VisionTransformer(config, embedDim: 32, quickGelu: true, precision: precision);
        return (vit, precision, torch.randn(3, 3, 4 * patch, 4 * patch, generator: new Generator(5)));
    }

    /// <summary>What Embed documents, with the patches from libtorch's strided convolution.</summary>
    static Tensor ByConvolution(VisionTransformer vit, Tensor pixels, int patch)
    {
        var patches = nn.functional.conv2d(pixels, vit.conv1.weight!, strides: [patch, patch]).flatten(2).transpose(1, 2);
        return torch.cat([vit.class_embedding.expand(pixels.shape[0], 1, -1), patches], dim: 1) + vit.positional_embedding;
    }

    [Theory]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(32)]
    public void LargePatchesMatchTheConvolutionForwardAndBackward(int patch)
    {
        var (vit, _, pixels) = Build(patch);
        var actual = vit.Embed(pixels);
        var expected = ByConvolution(vit, pixels, patch);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-4), $"patch {patch}: largest difference {(actual - expected).abs().max().item<float>()}");

        actual.pow(2).sum().backward();
        var gradient = vit.conv1.weight!.grad!.clone();
        vit.zero_grad();
        expected.pow(2).sum().backward();
        var expectedGradient = vit.conv1.weight!.grad!;
        Assert.True(gradient.allclose(expectedGradient, rtol: 1e-4, atol: 1e-3),
            $"patch {patch}: conv1 gradients differ by up to {(gradient - expectedGradient).abs().max().item<float>()}");
    }

    [Fact]
    public void LargePatchesInBFloat16MixedPrecisionFollowTheFloat32Convolution()
    {
        var (vit, precision, pixels) = Build(32);
        Tensor actual;
        using (precision.Use(ScalarType.BFloat16)) actual = vit.Embed(pixels).to_type(ScalarType.Float32);
        var expected = ByConvolution(vit, pixels, 32);
        double worst = nn.functional.cosine_similarity(actual, expected, dim: 2).min().item<float>();
        Assert.True(worst >= 0.999, $"worst per-token cosine bf16 vs float32 is {worst:F5}");
    }
}
