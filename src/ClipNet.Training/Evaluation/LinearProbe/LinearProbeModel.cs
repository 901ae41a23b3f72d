using ClipNet.Model;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// A fitted multinomial logistic regression: p(class | x) = softmax(Coefficients·x + Intercepts), in float64.
/// Owns its tensors.
/// </summary>
public sealed class LinearProbeModel : IDisposable
{
    /// <summary>[classes, dimension], float64.</summary>
    public Tensor Coefficients { get; }
    /// <summary>[classes], float64, summing to zero (softmax cannot tell shifted intercepts apart).</summary>
    public Tensor Intercepts { get; }
    /// <summary>The inverse regularisation strength it was fitted with.</summary>
    public double C { get; }
    public int Iterations { get; }
    /// <summary>Whether L-BFGS met a tolerance; false means it hit its iteration limit or could not find a step, so the coefficients may be off the optimum.</summary>
    public bool Converged { get; }

    public int ClassCount => (int)Coefficients.shape[0];
    public long Dimension => Coefficients.shape[1];

    internal LinearProbeModel(Tensor coefficients, Tensor intercepts, double c, int iterations, bool converged)
    {
        Coefficients = coefficients;
        Intercepts = intercepts;
        C = c;
        Iterations = iterations;
        Converged = converged;
    }

    /// <summary>Class probabilities [rows, classes], float64.</summary>
    public Tensor PredictProbabilities(Tensor features)
    {
        using var scope = NewDisposeScope();
        return Logits(features).softmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>Most probable class per row; a tie goes to the lower class index.</summary>
    public long[] Predict(Tensor features)
    {
        using var scope = NewDisposeScope();
        return Ranking.Top(Logits(features)).cpu().data<long>().ToArray();
    }

    public double Accuracy(Tensor features, IReadOnlyList<long> labels)
    {
        EvaluationInputs.RequireMatrix(features, "Linear-probe features");
        EvaluationInputs.RequireLabels(labels, features.shape[0], ClassCount, "Linear-probe labels");
        var predicted = Predict(features);
        return predicted.Where((p, i) => p == labels[i]).Count() / (double)predicted.Length;
    }

    Tensor Logits(Tensor features)
    {
        EvaluationInputs.RequireMatrix(features, "Linear-probe features");
        if (features.shape[1] != Dimension)
            throw new ClipNetException($"Linear-probe features have dimension {features.shape[1]} but the probe was fitted on dimension {Dimension}.");
        return features.to_type(ScalarType.Float64).matmul(Coefficients.t()).Plus(Intercepts);
    }

    public void Dispose()
    {
        Coefficients.Dispose();
        Intercepts.Dispose();
    }
}
