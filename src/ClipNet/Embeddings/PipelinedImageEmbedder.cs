using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;

namespace ClipNet.Embeddings;

/// <summary>
/// The way many images are embedded (`clip embed`, `clip features`, the evaluations, `clip index`): decoding and
/// Pillow-exact preprocessing run on worker threads (<see cref="PreprocessingPipeline"/>), on every core between the
/// model's batches by default or ahead of the model with <see cref="BatchesAhead"/> ≥ 1, and memory stays bounded. Results come in input order; an
/// image that cannot be decoded is reported with its problem and does not stop the others. For the same images in the
/// same batches of <see cref="Clip.BatchSize"/> the embeddings are bit-identical to preprocessing them all first and
/// calling <see cref="Clip.EncodePixels"/> (as <see cref="Clip.EncodeImages"/> does for a handful of images).
/// </summary>
public sealed class PipelinedImageEmbedder(Clip clip)
{
    /// <summary>Threads that decode and preprocess.</summary>
    public int Workers { get; init; } = PreprocessingPipeline.DefaultWorkers;
    /// <summary>Batches prepared ahead while the model runs; 0 (the default, measured faster here): none, see <see cref="PreprocessingPipeline"/>.</summary>
    public int BatchesAhead { get; init; }
    /// <summary>Decode below the model's scheduling priority (see <see cref="PreprocessingPipeline"/>).</summary>
    public bool LowPriorityWorkers { get; init; }
    /// <summary>L2-normalise the embeddings (false: the model's raw image features).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Embeds image files; see <see cref="Embed{T}"/>.</summary>
    public IEnumerable<ImageEmbedding> Embed(IReadOnlyList<string> paths, IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default) =>
        Embed(paths, (path, _) => ImageDecoder.Decode(path, clip.Preprocessor.ApplyExifOrientation, reuseThreadBuffer: true), progress, cancellation);

    /// <summary>
    /// Embeds the images <paramref name="decode"/> makes of <paramref name="inputs"/> (it runs on worker threads,
    /// given each input and its position; each image is preprocessed before its thread decodes the next, so it may
    /// decode with <c>reuseThreadBuffer</c>), yielding one embedding or one problem per input, in input order.
    /// <paramref name="progress"/> is told (inputs done, inputs) as each batch is embedded, on the caller's thread.
    /// </summary>
    public IEnumerable<ImageEmbedding> Embed<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var pipeline = new PreprocessingPipeline(clip.Preprocessor) { Workers = Workers, BatchesAhead = BatchesAhead, LowPriorityWorkers = LowPriorityWorkers };
        foreach (var batch in pipeline.Batches(inputs, decode, clip.BatchSize))
        {
            using (batch)
            {
                cancellation.ThrowIfCancellationRequested();
                var vectors = batch.Pixels is null ? [] : Encode(batch.Pixels);
                progress?.Report((batch.Start + batch.Count, inputs.Count));
                for (int i = 0, row = 0; i < batch.Count; i++)
                    yield return batch.Problems[i] is { } problem
                        ? new ImageEmbedding(batch.Start + i, null, DataProblemLog.Reason(problem))
                        : new ImageEmbedding(batch.Start + i, vectors[row++], null);
            }
        }
    }

    float[][] Encode(torch.Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = clip.EncodePixels(pixels, Normalize);
        int dimension = (int)embeddings.shape[1];
        var flat = embeddings.data<float>().ToArray();
        return [.. Enumerable.Range(0, (int)embeddings.shape[0]).Select(r => flat.AsSpan(r * dimension, dimension).ToArray())];
    }
}

/// <summary>The embedding of input <see cref="Index"/> (float32; L2-normalised unless asked otherwise), or why it could not be made.</summary>
public sealed record ImageEmbedding(int Index, float[]? Vector, string? Problem);
