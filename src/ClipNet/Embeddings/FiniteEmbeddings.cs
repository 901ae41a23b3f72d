using static TorchSharp.torch;

namespace ClipNet.Embeddings;

/// <summary>
/// The check every embedding or feature file passes before it is written: a NaN or infinite value means a
/// broken model or input (corrupt weights, a degenerate preprocessor), and written out it would only turn up
/// later as silently wrong search results or accuracies. The error names the first input whose row is bad.
/// </summary>
public static class FiniteEmbeddings
{
    /// <param name="embeddings">[N, D] embeddings, one row per input.</param>
    /// <param name="inputName">Names input <c>i</c> (a path, a text, a dataset row) for the message.</param>
    /// <param name="model">The model that produced them.</param>
    public static void Require(Tensor embeddings, Func<int, string> inputName, string model)
    {
        using var scope = NewDisposeScope();
        var badRows = embeddings.isfinite().all(1).logical_not().nonzero();
        if (badRows.shape[0] == 0) return;
        int first = (int)badRows[0, 0].item<long>();
        throw new ClipNetException(
            $"{inputName(first)}: its embedding from {model} has NaN or infinite values ({badRows.shape[0]} of {embeddings.shape[0]} rows do); nothing was written. " +
            "Corrupt weights or a broken preprocessing config are the usual cause");
    }
}
