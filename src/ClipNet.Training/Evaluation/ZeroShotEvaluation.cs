using ClipNet.Data;

namespace ClipNet.Evaluation;

/// <summary>
/// Zero-shot classification of a labelled dataset as in the CLIP paper: one prompt-ensemble vector per class
/// from a prompts file's templates (<see cref="ZeroShotClassifier"/>), top-1/top-5, per-class accuracy and
/// the confusion matrix. The prompts file's classes must be the dataset's classes (in any order).
/// </summary>
public static class ZeroShotEvaluation
{
    /// <summary>
    /// A classifier over <paramref name="classNames"/> (in that order) from the prompts of the same classes in
    /// <paramref name="prompts"/>; the prompts' text embeddings come from <paramref name="cache"/> when it has them.
    /// </summary>
    public static (ZeroShotClassifier Classifier, bool FromCache) Classifier(
        Clip clip, IReadOnlyList<string> classNames, string classesWhat, ClassPrompts prompts, string promptsWhat, TextEmbeddingCache? cache)
    {
        var promptClass = ClassLists.Align(classNames, classesWhat, prompts.Classes, promptsWhat);
        var perClass = promptClass.Select(prompts.Prompts).ToList();
        var texts = perClass.SelectMany(p => p).ToList();
        var (embeddings, fromCache) = cache is null
            ? (clip.EncodeTexts(texts, normalize: true, truncate: true), false)
            : cache.Encode(clip, texts);
        using (embeddings)
        {
            var counts = perClass.Select(p => (long)p.Count).ToArray();
            var split = embeddings.split(counts);
            try
            {
                return (ZeroShotClassifier.FromTemplateEmbeddings(split, classNames), fromCache);
            }
            finally
            {
                foreach (var part in split) part.Dispose();
            }
        }
    }

    public static ZeroShotEvaluationResult Evaluate(Clip clip, FeatureSet images, ClassPrompts prompts, string promptsWhat, TextEmbeddingCache? cache)
    {
        if (!images.IsLabelled)
            throw new ClipNetException($"{images.Dataset}: zero-shot accuracy needs a class label for every image, and this dataset has {(images.ClassNames is null ? "no classes" : "unlabelled images")}");
        var (classifier, fromCache) = Classifier(clip, images.ClassNames!, images.Dataset, prompts, promptsWhat, cache);
        using (classifier)
            return new ZeroShotEvaluationResult(classifier.Evaluate(images.ImageFeatures, images.Labels), fromCache);
    }

    /// <summary>
    /// The whole evaluation: features from <see cref="ZeroShotRequest.Images"/>, classes and templates of
    /// <see cref="ZeroShotRequest.PromptsDataset"/> in <see cref="ZeroShotRequest.PromptsFile"/>, and the
    /// report (<c>zero-shot.json</c>, <c>zero-shot.md</c>, <c>zero-shot-confusion.png</c>) in the output folder.
    /// </summary>
    public static ZeroShotEvaluationResult Run(Clip clip, ZeroShotRequest request, IProgress<(int Done, int Total)>? progress = null)
    {
        var prompts = PromptsFile.Read(request.PromptsFile, request.PromptsDataset);
        string promptsWhat = $"'{request.PromptsDataset}' in {request.PromptsFile}";
        using var images = request.Images.Obtain(clip, progress);
        var result = Evaluate(clip, images, prompts, promptsWhat, request.CacheDirectory is null ? null : new TextEmbeddingCache(request.CacheDirectory));
        const string name = "zero-shot";
        string figure = EvaluationCharts.ConfusionMatrix(result.Classification, Path.Combine(request.OutputDirectory, name + "-confusion.png"));
        var about = new Dictionary<string, string>
        {
            ["model"] = clip.Source,
            ["dataset"] = images.Dataset,
            ["prompts"] = $"{request.PromptsFile} ({request.PromptsDataset})",
            ["templates"] = prompts.Templates.Count.ToString(),
            ["text_embeddings"] = result.TextEmbeddingsFromCache ? "from cache" : "encoded",
        };
        var (json, markdown) = EvaluationReport.Write(request.OutputDirectory, name, result.Classification, [Path.GetFileName(figure)], about);
        return result with { Report = new ReportFiles(json, markdown, [figure]) };
    }
}

/// <summary>What <see cref="ZeroShotEvaluation.Run"/> evaluates and where it writes.</summary>
/// <param name="PromptsDataset">The dataset's entry in the prompts file (e.g. "cifar10").</param>
/// <param name="CacheDirectory">Where class-prompt text embeddings are cached; null to encode them every time.</param>
public sealed record ZeroShotRequest(FeatureSource Images, string PromptsFile, string PromptsDataset, string OutputDirectory, string? CacheDirectory);

/// <summary>A zero-shot evaluation's accuracy figures, and whether the class prompts' text embeddings came from the cache.</summary>
public sealed record ZeroShotEvaluationResult(ClassificationResult Classification, bool TextEmbeddingsFromCache)
{
    /// <summary>The files written, when the evaluation wrote a report.</summary>
    public ReportFiles? Report { get; init; }
}
