namespace ClipNet.Evaluation;

/// <summary>
/// Settings for <see cref="Lbfgs.Minimize"/>; the defaults are those of
/// <c>scipy.optimize.minimize(method="L-BFGS-B")</c>.
/// </summary>
/// <param name="HistorySize">Number of (step, gradient change) pairs kept for the inverse-Hessian estimate (scipy's maxcor).</param>
/// <param name="GradientTolerance">Stop when the largest absolute gradient component is at most this (scipy's gtol).</param>
/// <param name="RelativeReductionTolerance">
/// Stop when a step lowers the objective by at most this fraction of max(|f|, 1) (scipy's ftol, which is factr × machine epsilon).
/// </param>
/// <param name="MaxIterations">Stop after this many accepted steps (scipy's maxiter).</param>
/// <param name="MaxLineSearchEvaluations">Objective evaluations one line search may use before it counts as failed (scipy's maxls).</param>
public sealed record LbfgsOptions(
    int HistorySize = 10,
    double GradientTolerance = 1e-5,
    double RelativeReductionTolerance = 2.220446049250313e-09,
    int MaxIterations = 15_000,
    int MaxLineSearchEvaluations = 20);

/// <summary>Why <see cref="Lbfgs.Minimize"/> stopped.</summary>
public enum LbfgsStop
{
    GradientTolerance,
    RelativeReduction,
    IterationLimit,
    /// <summary>No step along the steepest-descent direction satisfied the line search.</summary>
    LineSearchFailed,
}

/// <summary>Where <see cref="Lbfgs.Minimize"/> stopped.</summary>
public sealed record LbfgsResult(double[] Minimizer, double Value, double GradientMaxAbs, int Iterations, int Evaluations, LbfgsStop Stop)
{
    /// <summary>Whether a tolerance was met, rather than the iteration limit or a failed line search.</summary>
    public bool Converged => Stop is LbfgsStop.GradientTolerance or LbfgsStop.RelativeReduction;
}

/// <summary>
/// Limited-memory BFGS as L-BFGS-B 3.0 (Byrd, Lu, Nocedal and Zhu 1995; Morales and Nocedal 2011) runs
/// without bounds — scipy's optimiser, and so scikit-learn's <c>LogisticRegression(solver="lbfgs")</c>.
/// Without bounds its Cauchy point and subspace minimisation reduce to the direction −H·g of the two-loop
/// recursion (Nocedal and Wright, algorithm 7.4); the first step is steepest descent scaled to unit length,
/// steps come from <see cref="MoreThuenteLineSearch"/>, and the stopping tests, the curvature-pair updates
/// and the memory reset after a failed line search are L-BFGS-B's. Matching those details is what makes a
/// fit stop where scikit-learn's stops, at the same iteration.
/// </summary>
public static class Lbfgs
{
    /// <summary>Returns the objective at <c>x</c> and writes its gradient into <c>gradient</c>.</summary>
    public delegate double Objective(double[] x, double[] gradient);

    // L-BFGS-B's cap on the first trial step (its "big").
    const double MaxStep = 1e10;

    public static LbfgsResult Minimize(Objective objective, double[] start, LbfgsOptions? options = null)
    {
        options ??= new LbfgsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HistorySize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLineSearchEvaluations, 1);
        int n = start.Length;
        var x = (double[])start.Clone();
        var gradient = new double[n];
        double value = objective(x, gradient);
        int evaluations = 1;
        double startGradientMaxAbs = MaxAbs(gradient);
        if (startGradientMaxAbs <= options.GradientTolerance)
            return new LbfgsResult(x, value, startGradientMaxAbs, 0, evaluations, LbfgsStop.GradientTolerance);

        var history = new CurvatureHistory(options.HistorySize, n);
        var (previousX, previousGradient) = (new double[n], new double[n]);
        var (target, direction) = (new double[n], new double[n]);
        int iterations = 0;
        while (true)
        {
            history.SearchDirection(gradient, target);
            // L-BFGS-B forms the target point x + p first and steps along d = (x + p) − x; the rounding of that
            // difference is part of the path it takes.
            for (int i = 0; i < n; i++)
            {
                target[i] += x[i];
                direction[i] = target[i] - x[i];
            }
            double directionNorm = Math.Sqrt(Dot(direction, direction));
            double firstStep = iterations == 0 ? Math.Min(1 / directionNorm, MaxStep) : 1;
            double slope0 = Dot(gradient, direction);

            Array.Copy(x, previousX, n);
            Array.Copy(gradient, previousGradient, n);
            double previousValue = value;
            double slope = slope0, step = double.NaN;
            bool found = slope0 < 0 && MoreThuenteLineSearch.Search(
                trialStep =>
                {
                    for (int i = 0; i < n; i++)
                        x[i] = trialStep == 1 ? target[i] : trialStep * direction[i] + previousX[i];
                    value = objective(x, gradient);
                    evaluations++;
                    slope = Dot(gradient, direction);
                    return (value, slope);
                },
                previousValue, slope0, firstStep, MaxStep, options.MaxLineSearchEvaluations, out step);

            if (!found)
            {
                Array.Copy(previousX, x, n);
                Array.Copy(previousGradient, gradient, n);
                value = previousValue;
                if (history.Count == 0)
                    return new LbfgsResult(x, value, MaxAbs(gradient), iterations, evaluations, LbfgsStop.LineSearchFailed);
                // The curvature pairs may be what misled the search: forget them and retry from steepest descent.
                history.Clear();
                continue;
            }

            iterations++;
            double gradientMaxAbs = MaxAbs(gradient);
            if (iterations >= options.MaxIterations)
                return new LbfgsResult(x, value, gradientMaxAbs, iterations, evaluations, LbfgsStop.IterationLimit);
            if (gradientMaxAbs <= options.GradientTolerance)
                return new LbfgsResult(x, value, gradientMaxAbs, iterations, evaluations, LbfgsStop.GradientTolerance);
            double scale = Math.Max(Math.Max(Math.Abs(previousValue), Math.Abs(value)), 1);
            if (previousValue - value <= options.RelativeReductionTolerance * scale)
                return new LbfgsResult(x, value, gradientMaxAbs, iterations, evaluations, LbfgsStop.RelativeReduction);

            history.Add(direction, step, gradient, previousGradient, slopeChange: slope - slope0, slope0);
        }
    }

    internal static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    static double MaxAbs(double[] a)
    {
        double max = 0;
        foreach (var v in a)
            max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
