using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>The loss terms of one batch: the total, its two directions, and the logits they came from.</summary>
public sealed record LossOutput(Tensor Loss, Tensor ImageToText, Tensor TextToImage, Tensor LogitsPerImage);

/// <summary>
/// The CLIP paper's symmetric cross-entropy: with L2-normalised embeddings, logits = exp(t)·I·Tᵀ, the
/// matching pair of each row and column is on the diagonal, and the loss averages the image→text and
/// text→image cross-entropies.
/// </summary>
public static class ContrastiveLoss
{
    public static LossOutput Compute(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale)
    {
        var images = Normalize(imageEmbeddings);
        var texts = Normalize(textEmbeddings);
        var logitsPerImage = logitScale.exp() * images.matmul(texts.t());
        var labels = TensorArithmetic.Range(logitsPerImage.shape[0], logitsPerImage.device);
        // cross_entropy works through log_softmax, which subtracts the row maximum: stable for any temperature.
        var imageToText = nn.functional.cross_entropy(logitsPerImage, labels);
        var textToImage = nn.functional.cross_entropy(logitsPerImage.t(), labels);
        return new LossOutput(imageToText.Plus(textToImage).div(TensorArithmetic.Two), imageToText, textToImage, logitsPerImage);
    }

    // The loss is computed in float32 even when the towers run in bf16.
    static Tensor Normalize(Tensor x)
    {
        return ClipModel.Normalize(x.to_type(x.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32));
    }
}
