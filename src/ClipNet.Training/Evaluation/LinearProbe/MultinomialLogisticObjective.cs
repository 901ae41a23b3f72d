using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// scikit-learn's multinomial logistic-regression objective as its lbfgs solver sees it:
/// Σᵢ CE(softmax(W·xᵢ + b), yᵢ) + ‖W‖² / (2C), with the intercept b unpenalised — the documented
/// 0.5·‖W‖² + C·Σ CE divided by C, which has the same minimiser. The scale matters: L-BFGS's relative-reduction
/// test compares decreases with max(|f|, 1), so the same scale is needed to stop where scikit-learn stops.
/// Parameters are packed as scikit-learn packs them, the [classes, dim + 1] matrix flattened column by
/// column: entry (k, j) at j·classes + k, the intercepts last. Features and one-hot labels are float64
/// tensors owned by the caller's dispose scope; the arithmetic runs on their device.
/// </summary>
sealed class MultinomialLogisticObjective(Tensor features, Tensor oneHotLabels, double c)
{
    readonly int classCount = (int)oneHotLabels.shape[1];
    readonly int dim = (int)features.shape[1];

    public int ParameterCount => classCount * (dim + 1);

    /// <summary>The coefficients [classes, dim] and intercepts [classes] packed in <paramref name="parameters"/>.</summary>
    public (Tensor Coefficients, Tensor Intercepts) Unpack(double[] parameters)
    {
        using var scope = NewDisposeScope();
        var columns = Columns(parameters);
        return (columns[..dim].t().contiguous().MoveToOuterDisposeScope(), columns[dim].clone().MoveToOuterDisposeScope());
    }

    /// <summary>The packed parameters as the [dim + 1, classes] matrix (Wᵀ, then b as the last row) on the features' device.</summary>
    Tensor Columns(double[] parameters) => tensor(parameters, [dim + 1, classCount], ScalarType.Float64, features.device);

    public double Evaluate(double[] parameters, double[] gradient)
    {
        using var scope = NewDisposeScope();
        var columns = Columns(parameters);
        var coefficientsT = columns[..dim];
        var logProbabilities = features.matmul(coefficientsT).Plus(columns[dim]).log_softmax(1);
        using Scalar halfInverseC = (0.5 / c).ToScalar(), inverseC = (1 / c).ToScalar();
        var value = logProbabilities.mul(oneHotLabels).sum().neg().Plus(coefficientsT.mul(coefficientsT).sum().mul(halfInverseC));

        // d CE / d logits = softmax − one-hot.
        var residual = logProbabilities.exp().sub_(oneHotLabels);
        var coefficientGradient = features.t().matmul(residual).add_(coefficientsT, alpha: inverseC);
        var interceptGradient = residual.sum(dim: 0, keepdim: true);
        cat([coefficientGradient, interceptGradient]).cpu().data<double>().CopyTo(gradient);
        return value.item<double>();
    }
}
