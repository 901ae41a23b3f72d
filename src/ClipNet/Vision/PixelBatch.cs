using System.Runtime.ExceptionServices;
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
    /// Fills image i's CHW plane with <paramref name="fillImage"/>(i, plane), in parallel, and wraps the buffer as a
    /// tensor. A <see cref="ClipNetException"/> from one image is rethrown as itself, not inside an AggregateException,
    /// so the user sees which file failed.
    /// </summary>
    public static Tensor Build(int count, int size, Action<int, Span<float>> fillImage, int maxDegreeOfParallelism = -1)
    {
        int plane = 3 * size * size;
        var data = new float[checked((long)count * plane)];
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
                i => fillImage(i, data.AsSpan((int)((long)i * plane), plane)));
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<ClipNetException>().Any())
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions.OfType<ClipNetException>().First());
        }
        return torch.tensor(data, [count, 3, size, size]);
    }

    /// <summary>Stacks images that were preprocessed earlier (e.g. by data workers) into one batch.</summary>
    public static Tensor Stack(IReadOnlyList<float[]> images, int size)
    {
        int plane = 3 * size * size;
        for (int i = 0; i < images.Count; i++)
            if (images[i].Length != plane)
                throw new ArgumentException($"image {i} has {images[i].Length} values, expected 3×{size}×{size}");
        return Build(images.Count, size, (i, destination) => images[i].CopyTo(destination), maxDegreeOfParallelism: 1);
    }
}
