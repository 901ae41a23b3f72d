using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>
/// bf16 attention runs as explicit products around a softmax rather than libtorch's fused kernel, which float32 keeps
/// (MultiheadSelfAttention.Attend says why): the two must compute the same thing, mask included.
/// </summary>
public class AttentionTests
{
    static (MultiheadSelfAttention Float32, MultiheadSelfAttention BFloat16) Pair(bool causal)
    {
        torch.manual_seed(3);
        var float32 = new MultiheadSelfAttention(64, 4, causal);
        var bf16 = new MultiheadSelfAttention(64, 4, causal);
        bf16.load_state_dict(float32.state_dict());
        bf16.to(ScalarType.BFloat16);
        return (float32, bf16);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BFloat16AttentionFollowsTheFusedFloat32Kernel(bool causal)
    {
        var (float32, bf16) = Pair(causal);
        using var _ = torch.no_grad();
        var x = torch.randn(3, 20, 64, generator: new Generator(5));
        var expected = float32.forward(x);
        var actual = bf16.forward(x.to_type(ScalarType.BFloat16)).to_type(ScalarType.Float32);
        double worst = nn.functional.cosine_similarity(expected, actual, dim: 2).min().item<float>();
        Assert.True(worst >= 0.999, $"worst per-token cosine bf16 vs float32 is {worst:F5}");
    }

    [Fact]
    public void CausalBFloat16AttentionSeesNoLaterToken()
    {
        var (_, bf16) = Pair(causal: true);
        using var _ = torch.no_grad();
        var x = torch.randn(2, 20, 64, generator: new Generator(6)).to_type(ScalarType.BFloat16);
        var changed = x.clone();
        changed[.., 10..] = torch.randn(2, 10, 64, generator: new Generator(7)).to_type(ScalarType.BFloat16);
        var before = bf16.forward(x).to_type(ScalarType.Float32);
        var after = bf16.forward(changed).to_type(ScalarType.Float32);
        Assert.True(before[.., ..10].allclose(after[.., ..10], rtol: 0, atol: 0), "a change to tokens 10 and later moved the outputs of tokens 0 to 9");
        Assert.True((before[.., 10..] - after[.., 10..]).abs().amax(2).min().item<float>() > 0, "a changed token's output did not move");
    }
}
