using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>OpenAI's sigmoid approximation of GELU, x·σ(1.702x); their checkpoints were trained with it.</summary>
public sealed class QuickGelu : nn.Module<Tensor, Tensor>
{
    // Held for the program's lifetime: a Scalar made per call could be finalised while libtorch reads it.
    static readonly Scalar Slope = 1.702.ToScalar();

    public QuickGelu() : base(nameof(QuickGelu)) { }

    /// <remarks>
    /// Without gradients the sigmoid and the product are written into the one new tensor, not two more: at batch 32
    /// this activation is ViT-B/16's largest tensor (77 MB) and each copy is another pass through memory. With
    /// gradients they stay out of place, as backward needs σ(1.702x). The values are the same either way.
    /// </remarks>
    public override Tensor forward(Tensor x)
    {
        if (torch.is_grad_enabled() && x.requires_grad) return x * torch.sigmoid(x.mul(Slope));
        return x.mul(Slope).sigmoid_().mul_(x);
    }
}
