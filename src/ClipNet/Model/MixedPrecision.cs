using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// bf16 mixed precision without autocast (TorchSharp has none), as a property of one model rather than of a
/// thread (an async server resumes on other threads): while <see cref="ComputeType"/> is set, the model's matrix
/// products and convolutions cast their operands to it, while weights stay float32 (gradients flow back through
/// the casts to them) and LayerNorm and the loss stay float32. Training sets it per step with <see cref="Use"/>;
/// inference instead loads the weights in the wanted type once (<see cref="ParameterFactory"/>), and leaves it unset.
/// </summary>
public sealed class MixedPrecision
{
    /// <summary>The type matrix products run in, or null for the weights' own type.</summary>
    public ScalarType? ComputeType { get; private set; }

    /// <summary>Sets the compute type until the returned handle is disposed.</summary>
    public IDisposable Use(ScalarType? type)
    {
        var previous = ComputeType;
        ComputeType = type;
        return new Restore(this, previous);
    }

    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => ComputeType is ScalarType t
        ? nn.functional.linear(x.to_type(t), weight.to_type(t), bias?.to_type(t))
        : nn.functional.linear(x, weight, bias);

    public Tensor Linear(Tensor x, TorchSharp.Modules.Linear linear) => Linear(x, linear.weight!, linear.bias);

    public Tensor MatMul(Tensor x, Tensor weight) => ComputeType is ScalarType t
        ? x.to_type(t).matmul(weight.to_type(t))
        : x.matmul(weight);

    /// <summary>A convolution in the compute type whose output returns to the input's type, for BatchNorm after it.</summary>
    public Tensor Conv(Tensor x, TorchSharp.Modules.Conv2d conv) => ComputeType is ScalarType t
        ? nn.functional.conv2d(x.to_type(t), conv.weight!.to_type(t), conv.bias?.to_type(t),
            strides: conv.stride, padding: conv.padding, dilation: conv.dilation, groups: conv.groups).to_type(x.dtype)
        : conv.forward(x);

    sealed class Restore(MixedPrecision owner, ScalarType? previous) : IDisposable
    {
        public void Dispose() => owner.ComputeType = previous;
    }
}
