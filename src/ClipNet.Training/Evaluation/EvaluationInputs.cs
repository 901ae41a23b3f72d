using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>Checks shared by the evaluation entry points, so that every bad input fails with a message naming what is wrong.</summary>
static class EvaluationInputs
{
    public static void RequireMatrix(Tensor tensor, string what)
    {
        if (tensor.dim() != 2)
            throw new ClipNetException($"{what} must be a 2-D tensor [rows, dimension], but its shape is [{string.Join(", ", tensor.shape)}].");
        if (!tensor.is_floating_point())
            throw new ClipNetException($"{what} must hold floating-point values, but its dtype is {tensor.dtype}.");
    }

    public static void RequireSameDimension(Tensor a, string aWhat, Tensor b, string bWhat)
    {
        if (a.shape[1] != b.shape[1])
            throw new ClipNetException($"{aWhat} have dimension {a.shape[1]} but {bWhat} have dimension {b.shape[1]}.");
    }

    public static void RequireFinite(Tensor tensor, string what)
    {
        using var scope = NewDisposeScope();
        if (!tensor.isfinite().all().item<bool>())
            throw new ClipNetException($"{what} contain NaN or infinite values.");
    }

    /// <summary>One label per row, each a valid index into <paramref name="classCount"/> classes.</summary>
    public static void RequireLabels(IReadOnlyList<long> labels, long rows, int classCount, string what)
    {
        if (labels.Count != rows)
            throw new ClipNetException($"{what}: there are {labels.Count} labels for {rows} rows of features.");
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= classCount)
                throw new ClipNetException($"{what}: label {labels[i]} at row {i} is not one of the {classCount} classes (0 to {classCount - 1}).");
    }
}
