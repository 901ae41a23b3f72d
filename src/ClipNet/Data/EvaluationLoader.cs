using ClipNet.Vision;
using static TorchSharp.torch;

namespace ClipNet.Data;

/// <summary>
/// Reads a whole dataset for evaluation in dataset order and in chunks, so a large set never has to fit in memory as
/// one tensor. Images get the reference eval transform, decoded on the workers of a <see cref="PreprocessingPipeline"/>
/// one chunk ahead. Unreadable items are left out and recorded in <see cref="Problems"/>.
/// </summary>
public sealed class EvaluationLoader(IImageTextDataset dataset, ImagePreprocessor preprocessor)
{
    public int Workers { get; init; } = PreprocessingPipeline.DefaultWorkers;

    public DataProblemLog Problems { get; init; } = new();

    /// <param name="chunkSize">Items per chunk (fewer in the last one, and where items were skipped).</param>
    /// <param name="progress">Told (items done, items in the dataset) after each chunk, on the caller's thread.</param>
    public IEnumerable<EvaluationChunk> Chunks(int chunkSize = 256, IProgress<(int Done, int Total)>? progress = null)
    {
        if (chunkSize <= 0) throw new ClipNetException($"the evaluation chunk size must be positive, got {chunkSize}");
        if (dataset.Count == 0) throw new ClipNetException($"{dataset.Name}: the dataset is empty");
        // Filled by the workers, each its own slot; only these and the pixels are kept, not the decoded images.
        var labels = new int[dataset.Count];
        var captions = new IReadOnlyList<string>[dataset.Count];
        var batches = new PreprocessingPipeline(preprocessor) { Workers = Workers }.Batches(
            [.. Enumerable.Range(0, dataset.Count)], (index, _) =>
            {
                var sample = dataset.Load(index);
                labels[index] = sample.Label;
                captions[index] = sample.Captions;
                return sample.Image;
            }, chunkSize);
        return Deliver(batches, labels, captions, progress);
    }

    IEnumerable<EvaluationChunk> Deliver(IEnumerable<PreprocessedBatch> batches, int[] labels, IReadOnlyList<string>[] captions,
        IProgress<(int Done, int Total)>? progress)
    {
        foreach (var batch in batches)
        {
            for (int i = 0; i < batch.Count; i++)
                if (batch.Problems[i] is { } problem) Problems.Skip(batch.Start + i, dataset.Describe(batch.Start + i), problem);
            progress?.Report((batch.Start + batch.Count, dataset.Count));
            if (batch.Pixels is null) continue;
            int[] rows = [.. Enumerable.Range(batch.Start, batch.Count).Where(index => batch.Problems[index - batch.Start] is null)];
            yield return new EvaluationChunk(batch.Pixels, rows, [.. rows.Select(index => labels[index])], [.. rows.Select(index => captions[index])]);
        }
    }
}

/// <summary>
/// Consecutive dataset items ready for evaluation: row i of <see cref="Pixels"/> ([N, 3, S, S] float32, the
/// reference eval transform) is dataset item <c>Indices[i]</c>, with class <c>Labels[i]</c>
/// (<see cref="ImageTextSample.NoLabel"/> when none) and all its captions. Unreadable items are absent.
/// </summary>
public sealed record EvaluationChunk(Tensor Pixels, int[] Indices, int[] Labels, IReadOnlyList<IReadOnlyList<string>> Captions) : IDisposable
{
    public int Count => Indices.Length;

    public void Dispose() => Pixels.Dispose();
}
