using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>The transformer block's feed-forward network: c_fc, activation, c_proj.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public Linear c_fc;
    public Linear c_proj;
    readonly nn.Module<Tensor, Tensor> activation;
    readonly MixedPrecision precision;

    public Mlp(int width, int hiddenWidth, bool quickGelu, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(Mlp))
    {
        parameters ??= ParameterFactory.Random;
        this.precision = precision ?? new MixedPrecision();
        c_fc = parameters.Linear(width, hiddenWidth);
        c_proj = parameters.Linear(hiddenWidth, width);
        activation = quickGelu ? new QuickGelu() : nn.GELU();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        precision.Linear(activation.forward(precision.Linear(x, c_fc)), c_proj);
}
