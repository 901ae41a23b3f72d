using ClipNet.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Data;

/// <summary>
/// Reads a whole dataset for evaluation (zero-shot accuracy, retrieval, feature extraction) in dataset order
/// and in chunks, so a large set never has to fit in memory as one tensor. Images get the reference eval
/// transform; decoding runs on parallel workers one chunk ahead. Unreadable items are left out and
/// recorded in <see cref="Problems"/>.
/// </summary>
public sealed class EvaluationLoader(IImageTextDataset dataset, ImagePreprocessor preprocessor)
{
    public int Workers { get; init; } = Environment.ProcessorCount;

    public DataProblemLog Problems { get; init; } = new();

    /// <param name="chunkSize">Items per chunk (fewer in the last one, and where items were skipped).</param>
    /// <param name="progress">Told (items done, items in the dataset) after each chunk, on the caller's thread.</param>
    public IEnumerable<EvaluationChunk> Chunks(int chunkSize = 256, IProgress<(int Done, int Total)>? progress = null)
    {
        if (chunkSize <= 0) throw new ClipNetException($"the evaluation chunk size must be positive, got {chunkSize}");
        if (Workers <= 0) throw new ClipNetException($"workers must be positive, got {Workers}");
        if (dataset.Count == 0) throw new ClipNetException($"{dataset.Name}: the dataset is empty");
        return Deliver(BoundedPrefetch.Ahead(token => Read(chunkSize, token), capacity: 1), progress);
    }

    /// <summary>A chunk with the dataset position it reaches, so progress counts skipped items too.</summary>
    sealed record ReadChunk(EvaluationChunk Chunk, int End) : IDisposable
    {
        public void Dispose() => Chunk.Dispose();
    }

    IEnumerable<EvaluationChunk> Deliver(IEnumerable<ReadChunk> chunks, IProgress<(int Done, int Total)>? progress)
    {
        foreach (var read in chunks)
        {
            progress?.Report((read.End, dataset.Count));
            if (read.Chunk.Count > 0) yield return read.Chunk;
            else read.Dispose();
        }
    }

    IEnumerable<ReadChunk> Read(int chunkSize, CancellationToken token)
    {
        int size = preprocessor.Size;
        for (int start = 0; start < dataset.Count; start += chunkSize)
        {
            token.ThrowIfCancellationRequested();
            int count = Math.Min(chunkSize, dataset.Count - start);
            var loaded = new Prepared?[count];
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = token },
                i => loaded[i] = TryLoad(start + i));

            var rows = Enumerable.Range(0, count).Where(i => loaded[i] is not null).ToArray();
            var chunk = new EvaluationChunk(
                PixelBatch.Stack([.. rows.Select(i => loaded[i]!.Pixels)], size),
                [.. rows.Select(i => start + i)],
                [.. rows.Select(i => loaded[i]!.Label)],
                [.. rows.Select(i => loaded[i]!.Captions)]);
            yield return new ReadChunk(chunk, start + count);
        }
    }

    // Only the preprocessed pixels are kept, not the decoded image, which may be many times larger.
    sealed record Prepared(float[] Pixels, int Label, IReadOnlyList<string> Captions);

    Prepared? TryLoad(int index)
    {
        try
        {
            var sample = dataset.Load(index);
            return new Prepared(preprocessor.Preprocess(sample.Image), sample.Label, sample.Captions);
        }
        catch (Exception e) when (DataProblemLog.IsSampleProblem(e))
        {
            Problems.Skip(index, dataset.Describe(index), e);
            return null;
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
