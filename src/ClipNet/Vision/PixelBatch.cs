using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Vision;

/// <summary>
/// The one builder of an [N, 3, S, S] float32 pixel batch: every path that feeds a model (embedding, evaluation,
/// training, the quickstart) writes its CHW images into one contiguous buffer through here.
/// </summary>
public static class PixelBatch
{
    /// <summary>
    /// Fills image i's CHW plane with <paramref name="fillImage"/>(i, plane), in parallel, straight into the tensor's
    /// own memory. A <see cref="ClipNetException"/> from one image is rethrown as itself, not inside an
    /// AggregateException, so the user sees which file failed.
    /// </summary>
    /// <remarks>
    /// Why not a managed array wrapped afterwards: torch.tensor copies an array, and at batch 32 the array was 19 MB of
    /// fresh pages per batch. The tensor's memory comes from malloc, which the `clip` command keeps mapped between
    /// batches (ClipNet.IO.NativeMemory).
    /// </remarks>
    public static Tensor Build(int count, int size, Action<int, Span<float>> fillImage, ParallelOptions? options = null)
    {
        var batch = torch.empty([count, 3, size, size], ScalarType.Float32);
        try
        {
            // Each image's span comes from its own row: a span over the whole batch cannot pass 2 GB (3,566 images of 224 px).
            Parallel.For(0, count, options ?? new ParallelOptions(), i =>
            {
                using var image = batch[i];
                fillImage(i, MemoryMarshal.Cast<byte, float>(image.bytes));
            });
            return batch;
        }
        catch (Exception e)
        {
            batch.Dispose();
            if (e is AggregateException aggregate && aggregate.InnerExceptions.OfType<ClipNetException>().FirstOrDefault() is { } first)
                ExceptionDispatchInfo.Throw(first);
            throw;
        }
    }

    /// <summary>Stacks images that were preprocessed earlier (e.g. by data workers) into one batch.</summary>
    public static Tensor Stack(IReadOnlyList<float[]> images, int size)
    {
        int plane = 3 * size * size;
        for (int i = 0; i < images.Count; i++)
            if (images[i].Length != plane)
                throw new ArgumentException($"image {i} has {images[i].Length} values, expected 3×{size}×{size}");
        return Build(images.Count, size, (i, destination) => images[i].CopyTo(destination), new ParallelOptions { MaxDegreeOfParallelism = 1 });
    }

    /// <summary>
    /// The images of <paramref name="batch"/> whose <paramref name="problems"/> entry is null, in order: the batch
    /// itself when all are, null when none is (the batch is then disposed), else a new tensor (and the batch is disposed).
    /// </summary>
    public static Tensor? Without(Tensor batch, IReadOnlyList<Exception?> problems)
    {
        var readable = Enumerable.Range(0, problems.Count).Where(i => problems[i] is null).Select(i => (long)i).ToArray();
        if (readable.Length == problems.Count) return batch;
        using (batch)
        {
            if (readable.Length == 0) return null;
            using var rows = torch.tensor(readable);
            return batch.index_select(0, rows);
        }
    }
}
