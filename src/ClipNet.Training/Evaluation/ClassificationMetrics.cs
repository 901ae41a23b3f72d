using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Top-K accuracy, per-class accuracy and the confusion matrix from a score matrix [rows, classes].
/// Ties: classes are ordered by descending score and equal scores keep class order (lower index first),
/// as a stable sort would. So the prediction is the lowest-index class among the highest scores, and a
/// true class tied with others counts within the top K only if its place in that order is below K. A K of
/// at least the number of classes finds every true class.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Always reported; <c>ks</c> adds to them.</summary>
    public static IReadOnlyList<int> DefaultKs { get; } = [1, 5];

    public static ClassificationResult Compute(
        Tensor scores, IReadOnlyList<long> labels, IReadOnlyList<string> classNames, IReadOnlyList<int>? ks = null)
    {
        ks = DefaultKs.Concat(ks ?? []).Distinct().Order().ToArray();
        if (ks.Any(k => k < 1))
            throw new ClipNetException($"Top-K accuracy needs K of at least 1, but was asked for K = {string.Join(", ", ks)}.");
        EvaluationInputs.RequireMatrix(scores, "Classification scores");
        if (scores.shape[1] != classNames.Count)
            throw new ClipNetException($"The classification scores have {scores.shape[1]} columns but {classNames.Count} class names were given.");
        EvaluationInputs.RequireLabels(labels, scores.shape[0], classNames.Count, "Classification labels");
        EvaluationInputs.RequireFinite(scores, "Classification scores");

        long[] ranks, predictions;
        using (var scope = NewDisposeScope())
        {
            var targets = tensor(labels.ToArray(), device: scores.device);
            ranks = Ranking.RankOf(scores, targets).cpu().data<long>().ToArray();
            predictions = Ranking.Top(scores).cpu().data<long>().ToArray();
        }

        int classCount = classNames.Count;
        var confusion = new int[classCount, classCount];
        var perClassCount = new int[classCount];
        var perClassCorrect = new int[classCount];
        for (int i = 0; i < labels.Count; i++)
        {
            confusion[labels[i], predictions[i]]++;
            perClassCount[labels[i]]++;
            if (predictions[i] == labels[i]) perClassCorrect[labels[i]]++;
        }
        var rankList = ranks.Select(r => (int)r).ToArray();
        return new ClassificationResult(
            classNames.ToArray(),
            labels.Count,
            ks.ToDictionary(k => k, k => Ranking.Recall(rankList, k)),
            perClassCorrect.Select((correct, c) => perClassCount[c] == 0 ? double.NaN : correct / (double)perClassCount[c]).ToArray(),
            perClassCount,
            confusion);
    }
}

/// <summary>
/// Accuracy of a classifier over labelled rows (see <see cref="ClassificationMetrics"/> for the tie rule).
/// Everything a table or a plot needs is here: per-class figures and the confusion matrix.
/// </summary>
/// <param name="TopKAccuracy">Fraction of rows whose true class ranks within the top K, for each K asked for.</param>
/// <param name="PerClassAccuracy">Top-1 accuracy over the rows of each class; NaN for a class with no rows.</param>
/// <param name="PerClassCount">Rows per true class.</param>
/// <param name="ConfusionMatrix">[true class, predicted class] row counts, prediction = top-1.</param>
public sealed record ClassificationResult(
    IReadOnlyList<string> ClassNames,
    int SampleCount,
    IReadOnlyDictionary<int, double> TopKAccuracy,
    IReadOnlyList<double> PerClassAccuracy,
    IReadOnlyList<int> PerClassCount,
    int[,] ConfusionMatrix)
{
    public double Top1 => TopKAccuracy[1];
    public double Top5 => TopKAccuracy[5];

    /// <summary>Mean of the per-class accuracies over classes that have rows (the metric CLIP reports for some datasets).</summary>
    public double MeanPerClassAccuracy => PerClassAccuracy.Where(a => !double.IsNaN(a)).DefaultIfEmpty(double.NaN).Average();
}
