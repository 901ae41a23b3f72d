using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Embedding arithmetic: the direction normalise(emb(A) − emb(B)) between two images' unit embeddings names
/// what A has and B lacks, so scoring it against label prompts ("a photo of a {}.") shows which concept the
/// model sees in the difference.
/// </summary>
public static class EmbeddingArithmetic
{
    /// <summary>Labels with the cosine between the difference direction and each label's prompt-ensemble vector, highest first.</summary>
    public static IReadOnlyList<LabelScore> RankLabels(Clip clip, string imageA, string imageB, IReadOnlyList<string> labels, IReadOnlyList<string> templates)
    {
        using var classifier = ZeroShotPrompts.Classifier(clip, labels, templates);
        using var scope = NewDisposeScope();
        var images = clip.EncodeImages([imageA, imageB]);
        var difference = images[0].sub(images[1]);
        var length = difference.norm();
        // Equal embeddings (the same picture twice) leave no direction to score.
        if (length.item<float>() < 1e-6)
            throw new ClipNetException($"{imageA} and {imageB} have the same embedding, so their difference has no direction");
        var scores = classifier.ClassEmbeddings.matmul(difference.div(length)).data<float>().ToArray();
        return [.. labels.Select((label, i) => new LabelScore(label, scores[i])).OrderByDescending(s => s.Score)];
    }
}

/// <summary>A label and its score.</summary>
public sealed record LabelScore(string Label, double Score);
