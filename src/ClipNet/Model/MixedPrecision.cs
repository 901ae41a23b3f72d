using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// bf16 mixed precision without autocast (TorchSharp has none), as a property of one model rather than of a
/// thread (an async server resumes on other threads): while <see cref="ComputeType"/> is set, the model's matrix
/// products and convolutions run in it, while weights stay float32 (gradients flow back through the casts to them)
/// and LayerNorm and the loss stay float32. Training sets it per step with <see cref="Use"/>;
/// inference instead loads the weights in the wanted type once (<see cref="ParameterFactory"/>), and leaves it unset.
/// </summary>
/// <remarks>
/// Each weight is cast once per <see cref="Use"/> scope (one training step), as autocast's weight cache does, not
/// once per product: GradCache runs every tower twice per micro-batch, and would otherwise cast every weight as
/// often. The cast keeps its autograd link to the float32 weight, so every backward pass through it adds to the
/// weight's gradient (the cast saves no tensors, so several backward passes may cross it). Casts made with gradients
/// off are cached apart, as they carry no such link. The weights must not change inside a scope: the optimizer
/// steps after it closes.
/// </remarks>
public sealed class MixedPrecision
{
    readonly Dictionary<(IntPtr Weight, bool Gradients), Tensor> casts = [];

    /// <summary>The type matrix products run in, or null for the weights' own type.</summary>
    public ScalarType? ComputeType { get; private set; }

    /// <summary>Sets the compute type until the returned handle is disposed, which also frees the step's weight casts.</summary>
    public IDisposable Use(ScalarType? type)
    {
        var previous = ComputeType;
        ComputeType = type;
        return new Restore(this, previous);
    }

    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => ComputeType is ScalarType t
        ? nn.functional.linear(x.to_type(t), Weight(weight, t), bias is null ? null : Weight(bias, t))
        : nn.functional.linear(x, weight, bias);

    public Tensor Linear(Tensor x, TorchSharp.Modules.Linear linear) => Linear(x, linear.weight!, linear.bias);

    public Tensor MatMul(Tensor x, Tensor weight) => ComputeType is ScalarType t
        ? x.to_type(t).matmul(Weight(weight, t))
        : x.matmul(weight);

    /// <summary>
    /// rows · Wᵀ with a convolution's weight [out, in, kh, kw] read as [out, in·kh·kw] (plus its bias): the convolution
    /// over inputs already cut into rows of in·kh·kw values, as the ViT's patch embedding does.
    /// </summary>
    public Tensor FlattenedConvProduct(Tensor rows, TorchSharp.Modules.Conv2d conv) => ComputeType is ScalarType t
        ? nn.functional.linear(rows.to_type(t), Weight(conv.weight!, t).flatten(1), conv.bias is null ? null : Weight(conv.bias, t))
        : nn.functional.linear(rows, conv.weight!.flatten(1), conv.bias);

    /// <summary>A convolution in the compute type whose output returns to the input's type, for BatchNorm after it.</summary>
    public Tensor Conv(Tensor x, TorchSharp.Modules.Conv2d conv) => ComputeType is ScalarType t
        ? nn.functional.conv2d(x.to_type(t), Weight(conv.weight!, t), conv.bias is null ? null : Weight(conv.bias, t),
            strides: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups).to_type(x.dtype)
        : conv.forward(x);

    /// <summary>The weight in the compute type, cast at its first use in this scope.</summary>
    Tensor Weight(Tensor weight, ScalarType type)
    {
        if (weight.dtype == type) return weight;
        var key = (weight.Handle, torch.is_grad_enabled());
        if (!casts.TryGetValue(key, out var cast))
            casts[key] = cast = weight.to_type(type).DetachFromDisposeScope();
        return cast;
    }

    sealed class Restore(MixedPrecision owner, ScalarType? previous) : IDisposable
    {
        public void Dispose()
        {
            owner.ComputeType = previous;
            foreach (var cast in owner.casts.Values) cast.Dispose();
            owner.casts.Clear();
        }
    }
}
