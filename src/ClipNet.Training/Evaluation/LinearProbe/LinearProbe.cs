using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Linear-probe evaluation as in the CLIP paper (appendix A.3): L2-regularised multinomial logistic
/// regression on frozen features, the same objective as scikit-learn's
/// <c>LogisticRegression(solver="lbfgs")</c> — minimise 0.5·‖W‖² + C·Σᵢ CE(softmax(W·xᵢ + b), yᵢ), with the
/// intercept b unpenalised and no feature standardisation — with C chosen on a validation split.
/// </summary>
public static class LinearProbe
{
    /// <summary>
    /// The CLIP paper's probe settings, <c>LogisticRegression(max_iter=1000)</c> with scikit-learn's default
    /// tolerance 1e-4 and scipy's default relative-reduction test.
    /// </summary>
    public static LbfgsOptions DefaultSolver { get; } = new(GradientTolerance: 1e-4, MaxIterations: 1000);

    /// <summary>Fits a probe; the classes are 0 .. max(label), and each must occur at least once.</summary>
    public static LinearProbeModel Fit(Tensor features, IReadOnlyList<long> labels, double c, LbfgsOptions? solver = null)
    {
        if (!(c > 0) || double.IsInfinity(c))
            throw new ClipNetException($"The linear-probe regularisation C must be a positive finite number, not {c}.");
        EvaluationInputs.RequireMatrix(features, "Linear-probe training features");
        if (labels.Count == 0)
            throw new ClipNetException("Linear-probe training needs at least one labelled row.");
        int classCount = (int)labels.Max() + 1;
        EvaluationInputs.RequireLabels(labels, features.shape[0], classCount, "Linear-probe training labels");
        RequireEveryClass(labels, classCount);
        EvaluationInputs.RequireFinite(features, "Linear-probe training features");

        using var scope = NewDisposeScope();
        var device = features.device;
        var oneHot = nn.functional.one_hot(tensor(labels.ToArray(), device: device), classCount).to_type(ScalarType.Float64);
        var objective = new MultinomialLogisticObjective(features.to_type(ScalarType.Float64), oneHot, c);
        // Started at zero, as scikit-learn starts. Every gradient gives the intercepts a zero-sum change
        // (softmax − one-hot sums to zero over classes), so they keep summing to zero: of the line of
        // optima that a common shift of the intercepts gives, this is the one scikit-learn reports too.
        var result = Lbfgs.Minimize(objective.Evaluate, new double[objective.ParameterCount], solver ?? DefaultSolver);
        var (coefficients, intercepts) = objective.Unpack(result.Minimizer);
        return new LinearProbeModel(
            coefficients.MoveToOuterDisposeScope(), intercepts.MoveToOuterDisposeScope(), c, result.Iterations, result.Converged);
    }

    /// <summary>
    /// Tries the coarse grid, then <see cref="LinearProbeSweepOptions.RefinementPoints"/> log-spaced values
    /// strictly between the best coarse value's grid neighbours, and picks the C with the highest validation
    /// accuracy (the smaller C on a tie, i.e. the stronger regularisation).
    /// </summary>
    public static LinearProbeSweepResult Sweep(
        Tensor trainFeatures, IReadOnlyList<long> trainLabels, Tensor validationFeatures, IReadOnlyList<long> validationLabels,
        LinearProbeSweepOptions? options = null)
    {
        options ??= new LinearProbeSweepOptions();
        var grid = (options.CoarseGrid ?? LinearProbeSweepOptions.Decades).Distinct().Order().ToArray();
        if (grid.Length == 0)
            throw new ClipNetException("The linear-probe sweep needs at least one C in its coarse grid.");
        var points = new List<LinearProbeSweepPoint>();

        LinearProbeSweepPoint Try(double c, bool refinement)
        {
            using var model = Fit(trainFeatures, trainLabels, c, options.Solver);
            var point = new LinearProbeSweepPoint(c, model.Accuracy(validationFeatures, validationLabels), refinement, model.Iterations, model.Converged);
            points.Add(point);
            return point;
        }

        var coarse = grid.Select(c => Try(c, refinement: false)).ToArray();
        int best = Array.IndexOf(coarse, Best(coarse));
        double low = grid[Math.Max(best - 1, 0)], high = grid[Math.Min(best + 1, grid.Length - 1)];
        if (low < high)
        {
            double logStep = (Math.Log10(high) - Math.Log10(low)) / (options.RefinementPoints + 1);
            for (int i = 1; i <= options.RefinementPoints; i++)
                Try(Math.Pow(10, Math.Log10(low) + i * logStep), refinement: true);
        }

        var chosen = Best(points);
        return new LinearProbeSweepResult(points.OrderBy(p => p.C).ToArray(), chosen.C, chosen.ValidationAccuracy);
    }

    /// <summary>
    /// The CLIP protocol end to end: sweep C on the validation split, refit at the chosen C (on train and
    /// validation together unless told otherwise, as the paper does), and report test accuracy.
    /// </summary>
    public static LinearProbeResult Evaluate(
        Tensor trainFeatures, IReadOnlyList<long> trainLabels, Tensor validationFeatures, IReadOnlyList<long> validationLabels,
        Tensor testFeatures, IReadOnlyList<long> testLabels, LinearProbeSweepOptions? options = null, bool refitOnTrainAndValidation = true)
    {
        var sweep = Sweep(trainFeatures, trainLabels, validationFeatures, validationLabels, options);
        using var scope = NewDisposeScope();
        var (features, labels) = refitOnTrainAndValidation
            ? (cat([trainFeatures.to_type(ScalarType.Float64), validationFeatures.to_type(ScalarType.Float64)]), trainLabels.Concat(validationLabels).ToArray())
            : (trainFeatures, trainLabels);
        using var model = Fit(features, labels, sweep.ChosenC, options?.Solver);
        return new LinearProbeResult(sweep, model.Accuracy(testFeatures, testLabels), refitOnTrainAndValidation, model.Iterations, model.Converged);
    }

    static LinearProbeSweepPoint Best(IEnumerable<LinearProbeSweepPoint> points) =>
        points.OrderByDescending(p => p.ValidationAccuracy).ThenBy(p => p.C).First();

    static void RequireEveryClass(IReadOnlyList<long> labels, int classCount)
    {
        var seen = new bool[classCount];
        foreach (var label in labels) seen[label] = true;
        int missing = Array.IndexOf(seen, false);
        // An absent class would push its unpenalised intercept to minus infinity: there is no optimum to find.
        if (missing >= 0)
            throw new ClipNetException(
                $"Linear-probe training labels never use class {missing} (classes are 0 to {classCount - 1}); every class needs at least one training row.");
    }
}

/// <summary>A full linear-probe evaluation: the sweep, then the test accuracy of the probe refitted at the chosen C.</summary>
/// <param name="RefitOnTrainAndValidation">Whether the final probe was fitted on train and validation rows together (the CLIP protocol) or on the train rows alone.</param>
/// <param name="Iterations">L-BFGS iterations of the final fit.</param>
/// <param name="Converged">Whether the final fit met a tolerance rather than the iteration limit.</param>
public sealed record LinearProbeResult(LinearProbeSweepResult Sweep, double TestAccuracy, bool RefitOnTrainAndValidation, int Iterations, bool Converged);

/// <summary>How <see cref="LinearProbe.Sweep"/> searches C.</summary>
/// <param name="CoarseGrid">The first C values tried; null means 1e-6 to 1e6 in decades.</param>
/// <param name="RefinementPoints">How many log-spaced C values to add strictly between the best coarse value's neighbours.</param>
/// <param name="Solver">L-BFGS settings for every fit; null means <see cref="LinearProbe.DefaultSolver"/>.</param>
public sealed record LinearProbeSweepOptions(IReadOnlyList<double>? CoarseGrid = null, int RefinementPoints = 8, LbfgsOptions? Solver = null)
{
    public static IReadOnlyList<double> Decades { get; } = Enumerable.Range(-6, 13).Select(e => Math.Pow(10, e)).ToArray();
}

/// <summary>One fitted C of a sweep: its validation accuracy, whether it came from the refinement stage, and how its fit ended.</summary>
/// <param name="Converged">False when L-BFGS stopped at its iteration limit (where scikit-learn warns), so the fit may be off the optimum.</param>
public sealed record LinearProbeSweepPoint(double C, double ValidationAccuracy, bool Refinement, int Iterations, bool Converged);

/// <summary>Every C tried (sorted by C) and the chosen one: the best validation accuracy, the smaller C on a tie.</summary>
public sealed record LinearProbeSweepResult(IReadOnlyList<LinearProbeSweepPoint> Points, double ChosenC, double ValidationAccuracy);
