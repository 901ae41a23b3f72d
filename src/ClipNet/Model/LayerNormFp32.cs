using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// LayerNorm that normalises in at least float32 and returns the input's dtype, so a model whose weights
/// are bf16 or fp16 keeps its statistics accurate (as OpenAI's `LayerNorm` subclass does). Float64 inputs
/// stay float64, which the high-precision reference path needs.
/// </summary>
public sealed class LayerNormFp32 : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    readonly long[] normalizedShape;
    readonly double eps;

    public LayerNormFp32(long width, double eps = 1e-5) : base(nameof(LayerNormFp32))
    {
        weight = nn.Parameter(torch.ones(width));
        bias = nn.Parameter(torch.zeros(width));
        normalizedShape = [width];
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        // libtorch's LayerNorm takes bf16 or fp16 input with float32 weights ("mixed type") and computes the
        // statistics, the normalisation and the affine step in float32 inside one kernel, rounding once on output.
        // That is the arithmetic of casting around it (measured: all but 1 in 45,000 bf16 outputs equal, the rest one
        // unit apart, from summation order) without two extra passes through memory: about 2 % of a ViT-B/32 bf16
        // pass at batch 32 (ten A/B runs, each alternating the two in one process: −1 % to +6 %).
        if (x.dtype is ScalarType.BFloat16 or ScalarType.Float16)
            return nn.functional.layer_norm(x, normalizedShape, weight.to_type(ScalarType.Float32), bias.to_type(ScalarType.Float32), eps);
        var computeType = x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var y = nn.functional.layer_norm(x.to_type(computeType), normalizedShape,
            weight.to_type(computeType), bias.to_type(computeType), eps);
        return y.to_type(x.dtype);
    }
}
