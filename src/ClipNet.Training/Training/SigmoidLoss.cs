using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// SigLIP's pairwise sigmoid loss: every (image, text) pair is an independent binary classification,
/// positive on the diagonal, with logits = exp(t)·cos + b. Scale and bias are learned (init t = ln 10, b = −10,
/// as in the SigLIP paper). Normalised by the batch size, as there.
/// </summary>
public static class SigmoidLoss
{
    public static readonly double InitialLogScale = Math.Log(10);
    public const double InitialBias = -10;

    public static LossOutput Compute(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, Tensor logitBias)
    {
        var images = ClipModel.Normalize(imageEmbeddings.to_type(ScalarType.Float32));
        var texts = ClipModel.Normalize(textEmbeddings.to_type(ScalarType.Float32));
        var logits = (logitScale.exp() * images.matmul(texts.t())).Plus(logitBias);
        long n = logits.shape[0];
        // +1 on the diagonal (matching pairs), −1 elsewhere.
        var signs = torch.eye(n, device: logits.device).mul_(TensorArithmetic.Two).sub_(TensorArithmetic.One);
        using var count = n.ToScalar();
        var loss = nn.functional.logsigmoid(signs * logits).sum().neg().div(count);
        return new LossOutput(loss, loss, loss, logits);
    }
}
