using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// ModifiedResNet's anti-aliased bottleneck: all convolutions have stride 1, and a stride-s average pool
/// before the last 1×1 convolution (and in the shortcut) does the downsampling instead.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    public Conv2d conv1;
    public BatchNorm2d bn1;
    public Conv2d conv2;
    public BatchNorm2d bn2;
    public Conv2d conv3;
    public BatchNorm2d bn3;
    public Sequential? downsample;
    readonly nn.Module<Tensor, Tensor> avgpool;
    readonly ConvolutionWithBatchNorm branch1, branch2, branch3;
    readonly ConvolutionWithBatchNorm? shortcut;
    readonly AvgPool2d? shortcutPool;

    public Bottleneck(int inplanes, int planes, int stride, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(Bottleneck))
    {
        parameters ??= ParameterFactory.Random;
        precision ??= new MixedPrecision();
        conv1 = parameters.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = new BatchNorm2d(planes, parameters);
        conv2 = parameters.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = new BatchNorm2d(planes, parameters);
        avgpool = stride > 1 ? nn.AvgPool2d(stride) : nn.Identity();
        conv3 = parameters.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = new BatchNorm2d(planes * Expansion, parameters);
        branch1 = new(conv1, bn1, precision);
        branch2 = new(conv2, bn2, precision);
        branch3 = new(conv3, bn3, precision);
        if (stride > 1 || inplanes != planes * Expansion)
        {
            shortcutPool = nn.AvgPool2d(stride);
            var shortcutConv = parameters.Conv2d(inplanes, planes * Expansion, 1, bias: false);
            var shortcutNorm = new BatchNorm2d(planes * Expansion, parameters);
            shortcut = new(shortcutConv, shortcutNorm, precision);
            // Named "-1", "0", "1" as in OpenAI's OrderedDict, so the checkpoint keys are downsample.0.* and downsample.1.*.
            downsample = nn.Sequential(("-1", shortcutPool), ("0", shortcutConv), ("1", shortcutNorm));
        }
        RegisterComponents();
    }

    /// <summary>The block's convolutions with their BatchNorms, for <see cref="ModifiedResNet.FoldBatchNorms"/>.</summary>
    public IEnumerable<ConvolutionWithBatchNorm> Convolutions =>
        shortcut is null ? [branch1, branch2, branch3] : [branch1, branch2, branch3, shortcut];

    /// <remarks>
    /// Frees its intermediates as it ends, as <see cref="ResidualAttentionBlock"/> does, and for the same reason. The
    /// ReLUs and the residual sum write into tensors the block has just made, as OpenAI's `inplace=True` ReLUs and
    /// `out += identity` do: the backward pass needs none of them (BatchNorm's and the convolution's keep their
    /// inputs), and each saves a tensor's worth of memory.
    /// </remarks>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = branch1.Forward(x).relu_();
        output = branch2.Forward(output).relu_();
        output = branch3.Forward(avgpool.forward(output));
        var identity = shortcut is null ? x : shortcut.Forward(shortcutPool!.forward(x));
        return output.add_(identity, TensorArithmetic.One).relu_().MoveToOuterDisposeScope();
    }
}
