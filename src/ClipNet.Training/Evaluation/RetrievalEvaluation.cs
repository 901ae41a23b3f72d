namespace ClipNet.Evaluation;

/// <summary>
/// Image–text retrieval over a captioned dataset: every caption of every image is a text query and a
/// candidate, and recall@1/5/10 is reported both ways (<see cref="RetrievalMetrics"/>).
/// </summary>
public static class RetrievalEvaluation
{
    public static RetrievalResult Evaluate(Clip clip, FeatureSet images, IReadOnlyList<int>? ks = null)
    {
        var captionImage = new List<int>();
        var captions = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            if (images.Captions[i].Count == 0)
                throw new ClipNetException($"{images.Dataset}: image {i} has no caption; retrieval needs at least one caption per image");
            foreach (var caption in images.Captions[i])
            {
                captions.Add(caption);
                captionImage.Add(i);
            }
        }
        using var texts = clip.EncodeTexts(captions, normalize: true, truncate: true);
        return RetrievalMetrics.Compute(images.ImageFeatures, texts, captionImage, ks);
    }

    /// <summary>
    /// Features from <paramref name="images"/>, then the report (<c>retrieval.json</c>, <c>retrieval.md</c>,
    /// <c>retrieval-recall.png</c>) in <paramref name="outputDirectory"/>.
    /// </summary>
    public static (RetrievalResult Result, ReportFiles Report) Run(Clip clip, FeatureSource images, string outputDirectory,
        IProgress<(int Done, int Total)>? progress = null)
    {
        using var features = images.Obtain(clip, progress);
        var result = Evaluate(clip, features);
        const string name = "retrieval";
        string figure = EvaluationCharts.RecallCurves(result, Path.Combine(outputDirectory, name + "-recall.png"));
        var about = new Dictionary<string, string> { ["model"] = clip.Source, ["dataset"] = features.Dataset };
        var (json, markdown) = EvaluationReport.Write(outputDirectory, name, result, [Path.GetFileName(figure)], about);
        return (result, new ReportFiles(json, markdown, [figure]));
    }
}
