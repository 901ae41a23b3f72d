using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// The CLIP paper's linear probe on frozen image features (<see cref="LinearProbe.Evaluate"/>): C is chosen on
/// a seeded, stratified validation split of the train set, the probe refitted and scored on the test set.
/// The test set's classes must be the train set's (in any order).
/// </summary>
public static class LinearProbeEvaluation
{
    /// <summary>The CLIP paper's setting: scikit-learn's L-BFGS with at most 1,000 iterations per fit.</summary>
    public static LinearProbeSweepOptions DefaultSweep { get; } = new(Solver: LinearProbe.DefaultSolver);

    public static LinearProbeEvaluationResult Evaluate(FeatureSet train, string trainWhat, FeatureSet test, string testWhat,
        double validationFraction = 0.2, int seed = 0, LinearProbeSweepOptions? options = null)
    {
        if (options?.Solver?.MaxIterations < 1)
            throw new ClipNetException($"the linear probe needs at least 1 solver iteration per fit, got {options.Solver.MaxIterations}");
        RequireLabelled(train, trainWhat);
        RequireLabelled(test, testWhat);
        if (train.Dimension != test.Dimension)
            throw new ClipNetException(
                $"the train features ({trainWhat}) have dimension {train.Dimension} but the test features ({testWhat}) have dimension {test.Dimension}; both must come from the same model");
        var testToTrain = ClassLists.Align(test.ClassNames!, testWhat, train.ClassNames!, trainWhat);
        var missing = train.ClassNames!.Where((_, c) => !train.Labels.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new ClipNetException($"{trainWhat} has no image of the class{(missing.Count > 1 ? "es" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}; the probe can only learn classes it sees");

        var (trainRows, validationRows) = ValidationSplit.Stratified(train.Labels, validationFraction, seed);
        using var scope = NewDisposeScope();
        var probe = LinearProbe.Evaluate(
            Rows(train.ImageFeatures, trainRows), [.. trainRows.Select(r => train.Labels[r])],
            Rows(train.ImageFeatures, validationRows), [.. validationRows.Select(r => train.Labels[r])],
            test.ImageFeatures, [.. test.Labels.Select(l => (long)testToTrain[l])], options ?? DefaultSweep);
        return new LinearProbeEvaluationResult(probe, trainRows.Length, validationRows.Length, test.Count);
    }

    /// <summary>
    /// Features of both sets (a model is needed only where a dataset is to be embedded), then the report
    /// (<c>linear-probe.json</c>, <c>linear-probe.md</c>, <c>linear-probe-sweep.png</c>) in the output folder.
    /// </summary>
    public static LinearProbeEvaluationResult Run(Clip? clip, LinearProbeRequest request, IProgress<(int Done, int Total)>? progress = null)
    {
        using var train = request.Train.Obtain(clip, progress);
        using var test = request.Test.Obtain(clip, progress);
        var result = Evaluate(train, request.Train.Describe(), test, request.Test.Describe(), request.ValidationFraction, request.Seed, request.Sweep);
        const string name = "linear-probe";
        string figure = EvaluationCharts.LinearProbeSweep(result.Probe.Sweep, Path.Combine(request.OutputDirectory, name + "-sweep.png"));
        var about = new Dictionary<string, string>
        {
            ["model"] = clip?.Source ?? train.Model,
            ["train"] = $"{train.Dataset} ({result.TrainCount} rows for training, {result.ValidationCount} for validation, seed {request.Seed})",
            ["test"] = $"{test.Dataset} ({result.TestCount} rows)",
        };
        var (json, markdown) = EvaluationReport.Write(request.OutputDirectory, name, result.Probe, [Path.GetFileName(figure)], about);
        return result with { Report = new ReportFiles(json, markdown, [figure]) };
    }

    static Tensor Rows(Tensor features, int[] rows) => features.index_select(0, tensor(rows.Select(r => (long)r).ToArray()));

    static void RequireLabelled(FeatureSet set, string what)
    {
        if (!set.IsLabelled)
            throw new ClipNetException($"{what}: a linear probe needs a class label for every image, and this dataset has {(set.ClassNames is null ? "no classes" : "unlabelled images")}");
    }
}

/// <summary>What <see cref="LinearProbeEvaluation.Run"/> evaluates and where it writes.</summary>
/// <param name="ValidationFraction">Share of each train class held out to choose C.</param>
/// <param name="Seed">Seeds the validation split.</param>
/// <param name="Sweep">How C is searched; null for <see cref="LinearProbeEvaluation.DefaultSweep"/>.</param>
public sealed record LinearProbeRequest(FeatureSource Train, FeatureSource Test, string OutputDirectory,
    double ValidationFraction = 0.2, int Seed = 0, LinearProbeSweepOptions? Sweep = null);

/// <summary>A linear-probe evaluation: the sweep and test accuracy, and how many rows each side had.</summary>
public sealed record LinearProbeEvaluationResult(LinearProbeResult Probe, int TrainCount, int ValidationCount, int TestCount)
{
    /// <summary>The files written, when the evaluation wrote a report.</summary>
    public ReportFiles? Report { get; init; }
}
