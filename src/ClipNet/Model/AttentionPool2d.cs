using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// ModifiedResNet's replacement for global average pooling: one round of multi-head attention where the
/// query is the mean of the spatial features and keys/values are all positions (with their own learned
/// positional embedding).
/// </summary>
public sealed class AttentionPool2d : nn.Module<Tensor, Tensor>
{
    public Parameter positional_embedding;
    public Linear k_proj;
    public Linear q_proj;
    public Linear v_proj;
    public Linear c_proj;
    readonly int heads;
    readonly MixedPrecision precision;

    public AttentionPool2d(int spatialSize, int embedDim, int heads, int outputDim, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(AttentionPool2d))
    {
        parameters ??= ParameterFactory.Random;
        this.precision = precision ?? new MixedPrecision();
        long positions = spatialSize * spatialSize + 1;
        using (var root = Math.Sqrt(embedDim).ToScalar())
            positional_embedding = parameters.Create([positions, embedDim], () => torch.randn(positions, embedDim).div_(root));
        k_proj = parameters.Linear(embedDim, embedDim);
        q_proj = parameters.Linear(embedDim, embedDim);
        v_proj = parameters.Linear(embedDim, embedDim);
        c_proj = parameters.Linear(embedDim, outputDim);
        this.heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        long n = features.shape[0], channels = features.shape[1];
        var x = features.flatten(2).transpose(1, 2);                       // [N, HW, C]
        x = torch.cat([x.mean([1], keepdim: true), x], dim: 1);           // the mean token first
        x = x.Plus(positional_embedding.to_type(x.dtype));
        long tokens = x.shape[1], headWidth = channels / heads;
        var q = precision.Linear(x[.., ..1], q_proj).view(n, 1, heads, headWidth).transpose(1, 2);
        var k = precision.Linear(x, k_proj).view(n, tokens, heads, headWidth).transpose(1, 2);
        var v = precision.Linear(x, v_proj).view(n, tokens, heads, headWidth).transpose(1, 2);
        var pooled = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, channels);
        return precision.Linear(pooled, c_proj).MoveToOuterDisposeScope();
    }
}
