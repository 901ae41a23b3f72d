using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// Splits parameters for AdamW: weight decay on matrices (ndim ≥ 2, which includes the positional and token
/// embeddings), none on gains, biases, the class embedding and `logit_scale` — decaying those would pull
/// normalisation gains and the temperature towards zero for no regularisation benefit.
/// </summary>
public static class WeightDecayGroups
{
    public static (List<(string Name, Parameter Parameter)> Decay, List<(string Name, Parameter Parameter)> NoDecay) Split(nn.Module model)
    {
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        return (trainable.Where(p => p.parameter.dim() >= 2).ToList(), trainable.Where(p => p.parameter.dim() < 2).ToList());
    }

    public static AdamWOptimizer CreateAdamW(nn.Module model, double learningRate, double weightDecay, double beta1, double beta2, double eps)
    {
        var (decay, noDecay) = Split(model);
        return new AdamWOptimizer([new(decay, weightDecay), new(noDecay, 0.0)], learningRate, beta1, beta2, eps);
    }
}
