using ClipNet.Vision;
using TorchSharp;
using Xunit;

namespace ClipNet.Tests.Vision;

public class PixelBatchTests
{
    /// <summary>
    /// A batch of 3,600 images of 224 px is 2.2 GB, more than one span can cover: each image is still written into its
    /// own plane of the tensor. Only two values per image are written, so the test touches little of that memory.
    /// </summary>
    [Fact]
    public void BatchesOverTwoGigabytesAreFilledImageByImage()
    {
        const int count = 3600, size = 224;
        using var batch = PixelBatch.Build(count, size, (i, plane) =>
        {
            Assert.Equal(3 * size * size, plane.Length);
            plane[0] = i;
            plane[^1] = i + 0.5f;
        });
        Assert.Equal(new long[] { count, 3, size, size }, batch.shape);
        foreach (int i in new[] { 0, 1799, count - 1 })
        {
            Assert.Equal(i, batch[i, 0, 0, 0].item<float>());
            Assert.Equal(i + 0.5f, batch[i, 2, size - 1, size - 1].item<float>());
        }
    }

    [Fact]
    public void WithoutKeepsTheReadableImagesInOrder()
    {
        var batch = PixelBatch.Build(3, 2, (i, plane) => plane.Fill(i));
        using var kept = PixelBatch.Without(batch, [null, new InvalidDataException("unreadable"), null]);
        Assert.NotNull(kept);
        Assert.Equal(new long[] { 2, 3, 2, 2 }, kept!.shape);
        Assert.Equal([0f, 2f], new[] { kept[0, 0, 0, 0].item<float>(), kept[1, 0, 0, 0].item<float>() });

        var unreadable = PixelBatch.Build(1, 2, (_, plane) => plane.Fill(1));
        Assert.Null(PixelBatch.Without(unreadable, [new InvalidDataException("unreadable")]));
    }
}
