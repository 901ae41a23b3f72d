namespace ClipNet.Evaluation;

/// <summary>
/// The last few (step s, gradient change y) pairs of <see cref="Lbfgs"/> and the inverse-Hessian estimate H
/// they define, with H₀ = I/θ and θ = yᵀy / sᵀy of the newest pair, as in L-BFGS-B.
/// </summary>
sealed class CurvatureHistory(int capacity, int dimension)
{
    // Not double.Epsilon, which is the smallest subnormal: the gap between 1 and the next double.
    const double MachineEpsilon = 2.220446049250313e-16;

    readonly List<(double[] S, double[] Y, double SY)> pairs = new(capacity);
    double theta = 1;

    public int Count => pairs.Count;

    /// <summary>Forgets every pair, so the next direction is steepest descent again.</summary>
    public void Clear()
    {
        pairs.Clear();
        theta = 1;
    }

    /// <summary>
    /// Records the accepted step <paramref name="step"/>·<paramref name="direction"/>. sᵀy comes from the line
    /// search's slopes rather than a fresh dot product, and a pair whose curvature is not clearly positive
    /// (sᵀy ≤ ε·|slope| · step) is skipped, as L-BFGS-B does, so H stays positive definite.
    /// </summary>
    public void Add(double[] direction, double step, double[] gradient, double[] previousGradient, double slopeChange, double slope0)
    {
        double sy = step == 1 ? slopeChange : slopeChange * step;
        double scale = step == 1 ? -slope0 : -slope0 * step;
        if (sy <= MachineEpsilon * scale)
            return;

        var (s, y) = pairs.Count == capacity ? Recycle() : (new double[dimension], new double[dimension]);
        for (int i = 0; i < dimension; i++)
        {
            s[i] = step == 1 ? direction[i] : step * direction[i];
            y[i] = gradient[i] - previousGradient[i];
        }
        theta = Lbfgs.Dot(y, y) / sy;
        pairs.Add((s, y, sy));
    }

    (double[] S, double[] Y) Recycle()
    {
        var (s, y, _) = pairs[0];
        pairs.RemoveAt(0);
        return (s, y);
    }

    /// <summary>Writes −H·g into <paramref name="result"/> (the two-loop recursion).</summary>
    public void SearchDirection(double[] gradient, double[] result)
    {
        Array.Copy(gradient, result, dimension);
        var alphas = new double[pairs.Count];
        for (int k = pairs.Count - 1; k >= 0; k--)
        {
            var (s, y, sy) = pairs[k];
            alphas[k] = Lbfgs.Dot(s, result) / sy;
            Axpy(-alphas[k], y, result);
        }
        for (int i = 0; i < dimension; i++)
            result[i] /= theta;
        for (int k = 0; k < pairs.Count; k++)
        {
            var (s, y, sy) = pairs[k];
            double beta = Lbfgs.Dot(y, result) / sy;
            Axpy(alphas[k] - beta, s, result);
        }
        for (int i = 0; i < dimension; i++)
            result[i] = -result[i];
    }

    static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++)
            y[i] += a * x[i];
    }
}
