using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// CLIP's zero-shot classifier (the prompt-ensembling notebook): each class vector is the normalised mean
/// of that class's normalised prompt-template text embeddings, and an image scores
/// logit_scale · normalise(image) · class. Owns <see cref="ClassEmbeddings"/>.
/// </summary>
public sealed class ZeroShotClassifier : IDisposable
{
    /// <summary>CLIP's trained temperature saturates at 100, the scale its zero-shot code uses.</summary>
    public const double DefaultLogitScale = 100;

    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>[classes, dimension], unit rows, in the embeddings' dtype (float32 unless float64 was given).</summary>
    public Tensor ClassEmbeddings { get; }
    public long Dimension => ClassEmbeddings.shape[1];

    ZeroShotClassifier(IReadOnlyList<string> classNames, Tensor classEmbeddings)
    {
        ClassNames = classNames;
        ClassEmbeddings = classEmbeddings;
    }

    /// <summary>From text embeddings [classes, templates, dimension], every class with the same templates.</summary>
    public static ZeroShotClassifier FromTemplateEmbeddings(Tensor templateEmbeddings, IReadOnlyList<string> classNames)
    {
        if (templateEmbeddings.dim() != 3)
            throw new ClipNetException(
                $"Zero-shot template embeddings must be [classes, templates, dimension], but their shape is [{string.Join(", ", templateEmbeddings.shape)}].");
        return FromTemplateEmbeddings(templateEmbeddings.unbind(0), classNames);
    }

    /// <summary>From one [templates, dimension] tensor per class; classes may have different template counts.</summary>
    public static ZeroShotClassifier FromTemplateEmbeddings(IReadOnlyList<Tensor> templateEmbeddingsPerClass, IReadOnlyList<string> classNames)
    {
        if (templateEmbeddingsPerClass.Count != classNames.Count)
            throw new ClipNetException(
                $"There are template embeddings for {templateEmbeddingsPerClass.Count} classes but {classNames.Count} class names.");
        if (classNames.Count == 0)
            throw new ClipNetException("A zero-shot classifier needs at least one class.");
        for (int c = 0; c < classNames.Count; c++)
        {
            var embeddings = templateEmbeddingsPerClass[c];
            EvaluationInputs.RequireMatrix(embeddings, $"The template embeddings of class '{classNames[c]}'");
            if (embeddings.shape[0] == 0)
                throw new ClipNetException($"Class '{classNames[c]}' has no template embeddings.");
            if (embeddings.shape[1] != templateEmbeddingsPerClass[0].shape[1])
                throw new ClipNetException(
                    $"The template embeddings of class '{classNames[c]}' have dimension {embeddings.shape[1]} but those of class '{classNames[0]}' have dimension {templateEmbeddingsPerClass[0].shape[1]}.");
        }

        using var scope = NewDisposeScope();
        var dtype = templateEmbeddingsPerClass[0].dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var classVectors = stack(templateEmbeddingsPerClass.Select(e => ClipModel.Normalize(ClipModel.Normalize(e.to_type(dtype)).mean([0]))));
        return new ZeroShotClassifier(classNames.ToArray(), classVectors.MoveToOuterDisposeScope());
    }

    /// <summary>[images, classes] = logitScale · normalise(imageFeatures) · ClassEmbeddingsᵀ.</summary>
    public Tensor Logits(Tensor imageFeatures, double logitScale = DefaultLogitScale)
    {
        EvaluationInputs.RequireMatrix(imageFeatures, "Image features");
        EvaluationInputs.RequireSameDimension(imageFeatures, "Image features", ClassEmbeddings, "the zero-shot class embeddings");
        using var scope = NewDisposeScope();
        var images = ClipModel.Normalize(imageFeatures.to_type(ClassEmbeddings.dtype));
        using var scale = logitScale.ToScalar();
        return images.matmul(ClassEmbeddings.t()).mul_(scale).MoveToOuterDisposeScope();
    }

    /// <summary>Top-1/top-5 (or the given K), per-class accuracy and confusion matrix of these images.</summary>
    public ClassificationResult Evaluate(Tensor imageFeatures, IReadOnlyList<long> labels, double logitScale = DefaultLogitScale, IReadOnlyList<int>? ks = null)
    {
        using var logits = Logits(imageFeatures, logitScale);
        return ClassificationMetrics.Compute(logits, labels, ClassNames, ks);
    }


    public void Dispose() => ClassEmbeddings.Dispose();
}
