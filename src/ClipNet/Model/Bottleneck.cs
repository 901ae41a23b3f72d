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
    readonly MixedPrecision precision;

    public Bottleneck(int inplanes, int planes, int stride, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(Bottleneck))
    {
        parameters ??= ParameterFactory.Random;
        this.precision = precision ?? new MixedPrecision();
        conv1 = parameters.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = new BatchNorm2d(planes, parameters);
        conv2 = parameters.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = new BatchNorm2d(planes, parameters);
        avgpool = stride > 1 ? nn.AvgPool2d(stride) : nn.Identity();
        conv3 = parameters.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = new BatchNorm2d(planes * Expansion, parameters);
        if (stride > 1 || inplanes != planes * Expansion)
            // Named "-1", "0", "1" as in OpenAI's OrderedDict, so the checkpoint keys are downsample.0.* and downsample.1.*.
            downsample = nn.Sequential(
                ("-1", nn.AvgPool2d(stride)),
                ("0", parameters.Conv2d(inplanes, planes * Expansion, 1, bias: false)),
                ("1", new BatchNorm2d(planes * Expansion, parameters)));
        RegisterComponents();
    }

    /// <remarks>Frees its intermediates as it ends, as <see cref="ResidualAttentionBlock"/> does, and for the same reason.</remarks>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = nn.functional.relu(bn1.forward(precision.Conv(x, conv1)));
        output = nn.functional.relu(bn2.forward(precision.Conv(output, conv2)));
        output = bn3.forward(precision.Conv(avgpool.forward(output), conv3));
        var identity = downsample is null ? x : downsample.forward(x);
        return nn.functional.relu(output.Plus(identity)).MoveToOuterDisposeScope();
    }
}
