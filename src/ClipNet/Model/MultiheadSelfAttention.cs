using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// Multi-head self-attention with PyTorch's `nn.MultiheadAttention` parameter layout (one packed
/// `in_proj_weight` for q, k and v, and `out_proj`), so OpenAI/OpenCLIP weights load by name.
/// Works batch-first: [N, L, D].
/// </summary>
public sealed class MultiheadSelfAttention : nn.Module<Tensor, Tensor>
{
    public Parameter in_proj_weight;
    public Parameter in_proj_bias;
    public Linear out_proj;
    readonly int heads;
    readonly bool causal;
    readonly MixedPrecision precision;

    public MultiheadSelfAttention(int width, int heads, bool causal, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(MultiheadSelfAttention))
    {
        if (width % heads != 0) throw new ClipNetException($"attention width {width} is not divisible by {heads} heads");
        parameters ??= ParameterFactory.Random;
        this.precision = precision ?? new MixedPrecision();
        in_proj_weight = parameters.Create([3 * width, width], () => torch.empty(3 * width, width));
        in_proj_bias = parameters.Create([3 * width], () => torch.zeros(3 * width));
        out_proj = parameters.Linear(width, width);
        this.heads = heads;
        this.causal = causal;
        if (parameters.Initializes)
        {
            nn.init.xavier_uniform_(in_proj_weight);
            using (torch.no_grad()) out_proj.bias!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkv = precision.Linear(x, in_proj_weight, in_proj_bias)
            .view(n, length, 3, heads, width / heads)
            .permute(2, 0, 3, 1, 4);
        // The text tower's causal mask lets position i see positions <= i only: the paper's masked self-attention.
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: causal);
        return precision.Linear(attended.transpose(1, 2).reshape(n, length, width), out_proj).MoveToOuterDisposeScope();
    }
}
