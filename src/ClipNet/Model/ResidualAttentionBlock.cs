using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>A pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
    public MultiheadSelfAttention attn;
    public LayerNormFp32 ln_1;
    public Mlp mlp;
    public LayerNormFp32 ln_2;

    public ResidualAttentionBlock(int width, int heads, int mlpWidth, bool quickGelu, bool causal, double layerNormEps,
        ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(ResidualAttentionBlock))
    {
        attn = new MultiheadSelfAttention(width, heads, causal, parameters, precision);
        ln_1 = new LayerNormFp32(width, layerNormEps);
        mlp = new Mlp(width, mlpWidth, quickGelu, parameters, precision);
        ln_2 = new LayerNormFp32(width, layerNormEps);
        RegisterComponents();
    }

    /// <remarks>
    /// The block frees its intermediates as it ends (autograd keeps what backward needs by itself), so a pass through
    /// a tower holds one block's activations rather than all of them until the tower returns. Holding them all made
    /// each pass take gigabytes at batch 32 in fresh pages from the OS, faulted in again on every pass.
    /// </remarks>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x.Plus(attn.forward(ln_1.forward(x)));
        return x.Plus(mlp.forward(ln_2.forward(x))).MoveToOuterDisposeScope();
    }
}
