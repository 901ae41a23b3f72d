namespace ClipNet.Evaluation;

/// <summary>
/// The line search of Moré and Thuente ("Line search algorithms with guaranteed sufficient decrease",
/// ACM TOMS 1994) as MINPACK-2's <c>dcsrch</c>/<c>dcstep</c> perform it, with the constants L-BFGS-B passes
/// (sufficient decrease 1e-3, curvature 0.9, interval tolerance 0.1). Reproducing their exact trial steps
/// is what lets <see cref="Lbfgs"/> retrace scipy's iterates, not merely reach a nearby point.
/// </summary>
static class MoreThuenteLineSearch
{
    const double SufficientDecrease = 1e-3;
    const double Curvature = 0.9;
    const double IntervalTolerance = 0.1;
    const double MinStep = 0;
    // Extrapolation limits while no minimiser is bracketed yet: the next step lies between
    // 1.1 and 4 times the distance from the best step so far.
    const double ExtrapolateLower = 1.1;
    const double ExtrapolateUpper = 4.0;

    /// <summary>
    /// Searches along a descent direction: <paramref name="evaluate"/> moves to a step and returns the
    /// objective and its slope there. The accepted step is always the last one evaluated, so the caller's
    /// state after the last call is the new point. Returns false when <paramref name="maxEvaluations"/>
    /// evaluations did not satisfy the conditions.
    /// </summary>
    public static bool Search(
        Func<double, (double Value, double Slope)> evaluate, double value0, double slope0,
        double firstStep, double maxStep, int maxEvaluations, out double acceptedStep)
    {
        var state = new SearchState(value0, slope0, firstStep, maxStep);
        double step = firstStep;
        for (int evaluation = 0; evaluation < maxEvaluations; evaluation++)
        {
            var (value, slope) = evaluate(step);
            if (state.Accepts(step, value, slope))
            {
                acceptedStep = step;
                return true;
            }
            step = state.NextStep(step, value, slope);
        }
        acceptedStep = double.NaN;
        return false;
    }

    /// <summary>
    /// The interval [stx, sty] known to contain an acceptable step, with values and slopes at both ends
    /// (stx is the best step so far), and the widths used to force a bisection when it shrinks too slowly.
    /// </summary>
    sealed class SearchState
    {
        readonly double value0, slope0, decreaseSlope;
        bool bracketed;
        // Stage 1 searches on ψ(α) = f(α) − f(0) − μ·α·f'(0) until a step with ψ ≤ 0 and f' ≥ 0 turns up.
        bool secondStage;
        double bestStep, bestValue, bestSlope;
        double otherStep, otherValue, otherSlope;
        double lowerLimit, upperLimit;
        double width, previousWidth;
        readonly double maxStep;

        public SearchState(double value0, double slope0, double firstStep, double maxStep)
        {
            this.value0 = value0;
            this.slope0 = slope0;
            this.maxStep = maxStep;
            decreaseSlope = SufficientDecrease * slope0;
            (bestValue, bestSlope) = (value0, slope0);
            (otherValue, otherSlope) = (value0, slope0);
            upperLimit = firstStep + ExtrapolateUpper * firstStep;
            width = maxStep - MinStep;
            previousWidth = width / 0.5;
        }

        public bool Accepts(double step, double value, double slope)
        {
            double decreaseBound = value0 + step * decreaseSlope;
            if (!secondStage && value <= decreaseBound && slope >= 0)
                secondStage = true;

            bool converged = value <= decreaseBound && Math.Abs(slope) <= Curvature * -slope0;
            // No further progress is possible: rounding leaves the step at the interval's edge, the interval
            // is below the tolerance, or the step sits at a bound it cannot cross. The step is accepted as is.
            bool stuck = (bracketed && (step <= lowerLimit || step >= upperLimit))
                || (bracketed && upperLimit - lowerLimit <= IntervalTolerance * upperLimit)
                || (step == maxStep && value <= decreaseBound && slope <= decreaseSlope)
                || (step == MinStep && (value > decreaseBound || slope >= decreaseSlope));
            return converged || stuck;
        }

        public double NextStep(double step, double value, double slope)
        {
            double next;
            if (!secondStage && value <= bestValue && value > value0 + step * decreaseSlope)
            {
                // A lower value that still lacks sufficient decrease: step on ψ instead of f, which keeps the
                // search from settling on a point of f that ψ rules out.
                var best = new Endpoint(bestStep, bestValue - bestStep * decreaseSlope, bestSlope - decreaseSlope);
                var other = new Endpoint(otherStep, otherValue - otherStep * decreaseSlope, otherSlope - decreaseSlope);
                next = SafeguardedStep(ref best, ref other, new Endpoint(step, value - step * decreaseSlope, slope - decreaseSlope),
                    ref bracketed, lowerLimit, upperLimit);
                (bestStep, bestValue, bestSlope) = (best.Step, best.Value + best.Step * decreaseSlope, best.Slope + decreaseSlope);
                (otherStep, otherValue, otherSlope) = (other.Step, other.Value + other.Step * decreaseSlope, other.Slope + decreaseSlope);
            }
            else
            {
                var best = new Endpoint(bestStep, bestValue, bestSlope);
                var other = new Endpoint(otherStep, otherValue, otherSlope);
                next = SafeguardedStep(ref best, ref other, new Endpoint(step, value, slope), ref bracketed, lowerLimit, upperLimit);
                (bestStep, bestValue, bestSlope) = (best.Step, best.Value, best.Slope);
                (otherStep, otherValue, otherSlope) = (other.Step, other.Value, other.Slope);
            }

            if (bracketed)
            {
                // The interval must shrink by a third every two steps, or the next step bisects it.
                if (Math.Abs(otherStep - bestStep) >= 0.66 * previousWidth)
                    next = bestStep + 0.5 * (otherStep - bestStep);
                previousWidth = width;
                width = Math.Abs(otherStep - bestStep);
                lowerLimit = Math.Min(bestStep, otherStep);
                upperLimit = Math.Max(bestStep, otherStep);
            }
            else
            {
                lowerLimit = next + ExtrapolateLower * (next - bestStep);
                upperLimit = next + ExtrapolateUpper * (next - bestStep);
            }

            next = Math.Min(Math.Max(next, MinStep), maxStep);
            if ((bracketed && (next <= lowerLimit || next >= upperLimit))
                || (bracketed && upperLimit - lowerLimit <= IntervalTolerance * upperLimit))
                next = bestStep;
            return next;
        }
    }

    readonly record struct Endpoint(double Step, double Value, double Slope);

    /// <summary>
    /// dcstep: a new trial step from a cubic or quadratic (secant) model through the best point and the trial,
    /// with the four cases of Moré and Thuente (section 4), and the updated interval ends.
    /// </summary>
    static double SafeguardedStep(ref Endpoint best, ref Endpoint other, Endpoint trial, ref bool bracketed, double lowerLimit, double upperLimit)
    {
        var (stx, fx, dx) = best;
        var (sty, fy, dy) = other;
        var (stp, fp, dp) = trial;
        double signedSlope = dp * (dx / Math.Abs(dx));
        double next;

        if (fp > fx)
        {
            // 1. Higher value: a minimiser is bracketed. Take the cubic step if it is closer to the best
            // point than the quadratic one, else their average.
            double cubic = CubicMinimizer(stx, fx, dx, stp, fp, dp, flipWhen: stp < stx);
            double quadratic = stx + dx / ((fx - fp) / (stp - stx) + dx) / 2 * (stp - stx);
            next = Math.Abs(cubic - stx) < Math.Abs(quadratic - stx) ? cubic : cubic + (quadratic - cubic) / 2;
            bracketed = true;
        }
        else if (signedSlope < 0)
        {
            // 2. Lower value, slopes of opposite sign: bracketed. The cubic step if it is farther from the trial
            // than the secant step, else the secant step.
            double cubic = CubicStepFromTrial(stx, fx, dx, stp, fp, dp);
            double secant = stp + dp / (dp - dx) * (stx - stp);
            next = Math.Abs(cubic - stp) > Math.Abs(secant - stp) ? cubic : secant;
            bracketed = true;
        }
        else if (Math.Abs(dp) < Math.Abs(dx))
        {
            // 3. Lower value, same sign, smaller slope. The cubic is used only if it tends to infinity in the
            // direction of the step or its minimum lies beyond the trial.
            double theta = 3 * (fx - fp) / (stp - stx) + dx + dp;
            double s = Math.Max(Math.Abs(theta), Math.Max(Math.Abs(dx), Math.Abs(dp)));
            double gamma = s * Math.Sqrt(Math.Max(0, theta / s * (theta / s) - dx / s * (dp / s)));
            if (stp > stx) gamma = -gamma;
            double r = (gamma - dp + theta) / (gamma + (dx - dp) + gamma);
            double cubic = r < 0 && gamma != 0 ? stp + r * (stx - stp) : stp > stx ? upperLimit : lowerLimit;
            double secant = stp + dp / (dp - dx) * (stx - stp);
            if (bracketed)
            {
                next = Math.Abs(cubic - stp) < Math.Abs(secant - stp) ? cubic : secant;
                double limit = stp + 0.66 * (sty - stp);
                next = stp > stx ? Math.Min(limit, next) : Math.Max(limit, next);
            }
            else
            {
                next = Math.Abs(cubic - stp) > Math.Abs(secant - stp) ? cubic : secant;
                next = Math.Max(lowerLimit, Math.Min(upperLimit, next));
            }
        }
        else
        {
            // 4. Lower value, same sign, slope not decreasing: the cubic through the trial and the far end if
            // bracketed, otherwise as far as allowed.
            next = bracketed ? CubicStepFromTrial(sty, fy, dy, stp, fp, dp) : stp > stx ? upperLimit : lowerLimit;
        }

        if (fp > fx)
            other = trial;
        else
        {
            if (signedSlope < 0)
                other = best;
            best = trial;
        }
        return next;
    }

    /// <summary>Minimiser of the cubic through (a, fa, da) and (b, fb, db), measured from a.</summary>
    static double CubicMinimizer(double a, double fa, double da, double b, double fb, double db, bool flipWhen)
    {
        double theta = 3 * (fa - fb) / (b - a) + da + db;
        double s = Math.Max(Math.Abs(theta), Math.Max(Math.Abs(da), Math.Abs(db)));
        double gamma = s * Math.Sqrt(theta / s * (theta / s) - da / s * (db / s));
        if (flipWhen) gamma = -gamma;
        double r = (gamma - da + theta) / (gamma - da + gamma + db);
        return a + r * (b - a);
    }

    /// <summary>Minimiser of the cubic through the far point (a, fa, da) and the trial (b, fb, db), measured from the trial.</summary>
    static double CubicStepFromTrial(double a, double fa, double da, double b, double fb, double db)
    {
        double theta = 3 * (fa - fb) / (b - a) + da + db;
        double s = Math.Max(Math.Abs(theta), Math.Max(Math.Abs(da), Math.Abs(db)));
        double gamma = s * Math.Sqrt(theta / s * (theta / s) - da / s * (db / s));
        if (b > a) gamma = -gamma;
        double r = (gamma - db + theta) / (gamma - db + gamma + da);
        return b + r * (a - b);
    }
}
