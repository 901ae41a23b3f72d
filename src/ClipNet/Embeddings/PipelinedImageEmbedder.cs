using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;

namespace ClipNet.Embeddings;

/// <summary>
/// Embeds many images with decoding and Pillow-exact preprocessing running on worker threads ahead of the
/// model, through a bounded queue (<see cref="BoundedPrefetch"/>), so the model rarely waits for the CPU work
/// of the next batch and memory stays bounded. Results come in input order; an image that cannot be decoded
/// is reported with its problem and does not stop the others. For the same images in the same batches the
/// embeddings are bit-identical to <see cref="Clip.EncodeImages"/>.
/// </summary>
public sealed class PipelinedImageEmbedder(Clip clip)
{
    /// <summary>Threads that decode and preprocess.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
    /// <summary>Prepared batches waiting for the model at most.</summary>
    public int BatchesAhead { get; init; } = 2;

    /// <summary>Embeds image files; see <see cref="Embed{T}"/>.</summary>
    public IEnumerable<ImageEmbedding> Embed(IReadOnlyList<string> paths, IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default) =>
        Embed(paths, (path, _) => ImageDecoder.Decode(path, clip.Preprocessor.ApplyExifOrientation), progress, cancellation);

    /// <summary>
    /// Embeds the images <paramref name="decode"/> makes of <paramref name="inputs"/> (it runs on worker threads,
    /// given each input and its position), yielding one normalised embedding or one problem per input, in input order.
    /// <paramref name="progress"/> is told (inputs done, inputs) after each batch, on the caller's thread.
    /// </summary>
    public IEnumerable<ImageEmbedding> Embed<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        if (Workers <= 0) throw new ClipNetException($"workers must be positive, got {Workers}");
        if (inputs.Count == 0) yield break;
        foreach (var batch in BoundedPrefetch.Ahead(token => Prepare(inputs, decode, token), Math.Max(1, BatchesAhead)))
        {
            using (batch)
            {
                cancellation.ThrowIfCancellationRequested();
                var vectors = batch.Pixels is null ? [] : Encode(batch.Pixels);
                for (int i = 0, row = 0; i < batch.Problems.Length; i++)
                    yield return batch.Problems[i] is { } problem
                        ? new ImageEmbedding(batch.Start + i, null, problem)
                        : new ImageEmbedding(batch.Start + i, vectors[row++], null);
                progress?.Report((batch.Start + batch.Problems.Length, inputs.Count));
            }
        }
    }

    float[][] Encode(torch.Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = clip.EncodePixels(pixels);
        int dimension = (int)embeddings.shape[1];
        var flat = embeddings.data<float>().ToArray();
        return [.. Enumerable.Range(0, (int)embeddings.shape[0]).Select(r => flat.AsSpan(r * dimension, dimension).ToArray())];
    }

    /// <summary>One batch of preprocessed pixels (the readable images only) and, per input, its problem or null.</summary>
    sealed record PreparedBatch(int Start, torch.Tensor? Pixels, string?[] Problems) : IDisposable
    {
        public void Dispose() => Pixels?.Dispose();
    }

    IEnumerable<PreparedBatch> Prepare<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode, CancellationToken token)
    {
        int size = clip.Preprocessor.Size, plane = 3 * size * size;
        for (int start = 0; start < inputs.Count; start += clip.BatchSize)
        {
            token.ThrowIfCancellationRequested();
            int count = Math.Min(clip.BatchSize, inputs.Count - start);
            var pixels = new float[count][];
            var problems = new string?[count];
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = token }, i =>
            {
                try
                {
                    pixels[i] = clip.Preprocessor.Preprocess(decode(inputs[start + i], start + i));
                }
                catch (Exception e) when (DataProblemLog.IsSampleProblem(e))
                {
                    problems[i] = e is ClipNetException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                }
            });
            var readable = pixels.Where(p => p is not null).ToList();
            yield return new PreparedBatch(start, readable.Count == 0 ? null : PixelBatch.Stack(readable, size), problems);
        }
    }
}

/// <summary>The embedding of input <see cref="Index"/> (L2-normalised, float32), or why it could not be made.</summary>
public sealed record ImageEmbedding(int Index, float[]? Vector, string? Problem);
