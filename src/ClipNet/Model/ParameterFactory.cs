using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// How a model's parameters come into being. <see cref="Random"/>: float32 with OpenAI's initialisation, for
/// training from scratch. <see cref="Uninitialized"/>: allocated in the wanted type and left unwritten, for a
/// model whose weights are about to be loaded: no random numbers are drawn and no page is touched, so the
/// loaded (memory-mapped) tensors replace them without a second copy ever being resident. TorchSharp's own
/// modules initialise in their constructors; those are built on the meta device, where that costs nothing
/// (its native Embedding cannot be, hence <see cref="TokenEmbedding"/>).
/// </summary>
public sealed class ParameterFactory
{
    public static ParameterFactory Random { get; } = new(ScalarType.Float32, initializes: true);

    public static ParameterFactory Uninitialized(ScalarType dtype) =>
        dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64
            ? new(dtype, initializes: false)
            : throw new ClipNetException($"model weights need a floating-point type (float32, bfloat16, float16 or float64), not {dtype}");

    /// <summary>The element type of the weights (LayerNorm's are float32 whatever this is).</summary>
    public ScalarType DType { get; }
    /// <summary>Whether parameters get their random initial values; false when weights will be loaded.</summary>
    public bool Initializes { get; }

    ParameterFactory(ScalarType dtype, bool initializes) { DType = dtype; Initializes = initializes; }

    /// <summary>A parameter of the weights' type: <paramref name="initial"/> when initialising, else unwritten memory.</summary>
    public Parameter Create(long[] shape, Func<Tensor> initial) =>
        nn.Parameter(Initializes ? initial() : torch.empty(shape, DType));

    public Linear Linear(long inFeatures, long outFeatures, bool bias = true) => Initializes
        ? nn.Linear(inFeatures, outFeatures, bias)
        : nn.Linear(Empty(outFeatures, inFeatures), bias ? Empty(outFeatures) : null);

    public Conv2d Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
    {
        if (Initializes) return nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias);
        var conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, bias: bias, device: torch.META, dtype: DType);
        conv.weight = Empty(conv.weight.shape);
        if (bias) conv.bias = Empty(outChannels);
        return conv;
    }

    Parameter Empty(params long[] shape) => nn.Parameter(torch.empty(shape, DType));
}
