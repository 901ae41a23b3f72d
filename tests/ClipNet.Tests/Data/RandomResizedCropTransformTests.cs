using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;
using Xunit;

namespace ClipNet.Tests.Data;

public class RandomResizedCropTransformTests
{
    [Fact]
    public void WholeImageCropOfASquareImageIsTheReferenceEvalTransform()
    {
        // With scale and ratio fixed at 1 the crop is the whole square image, so crop-resize-normalise must
        // reproduce the reference Resize + CenterCrop + Normalize tensor exactly.
        string name = "rgb_1000x1000.png";
        var image = ImageDecoder.Decode(SharedFixtures.Fixture("preprocess", "images", name));
        var transform = new RandomResizedCropTransform(224, scale: (1, 1), ratio: (1, 1));

        var pixels = transform.Apply(image, new Random(5));

        var expected = FixtureTensors.ReadAll(SharedFixtures.Fixture("preprocess", "expected.safetensors"))[name];
        Assert.Equal(expected.data<float>().ToArray(), pixels);
    }

    [Fact]
    public void CropsStayWithinTheScaleAndRatioRangesAndInsideTheImage()
    {
        var transform = new RandomResizedCropTransform(32);
        var random = new Random(1);
        var seen = new HashSet<(int, int, int, int)>();
        for (int i = 0; i < 500; i++)
        {
            var (left, top, width, height) = transform.CropBox(200, 180, random);
            seen.Add((left, top, width, height));
            Assert.InRange(left, 0, 200 - width);
            Assert.InRange(top, 0, 180 - height);
            // Sides are rounded to whole pixels, so area and ratio may stray by a pixel's worth.
            Assert.InRange(width * height / 36000.0, 0.9 - 0.01, 1.0);
            Assert.InRange((double)width / height, 3.0 / 4 - 0.01, 4.0 / 3 + 0.01);
        }
        Assert.True(seen.Count > 100, $"only {seen.Count} distinct crops in 500 draws");
    }

    [Fact]
    public void ThreeToTwoImageAlwaysGetsTheFallbackCropAtScaleNinetyPercent()
    {
        // Area >= 0.9 * 300 * 200 with width/height <= 4/3 needs a height >= 201, so every try fails and
        // torchvision takes the centred crop of ratio 4/3: 267 x 200.
        var transform = new RandomResizedCropTransform(32);
        var random = new Random(2);
        for (int i = 0; i < 20; i++)
            Assert.Equal((16, 0, 267, 200), transform.CropBox(300, 200, random));
    }

    [Fact]
    public void ImageTooThinForAnyTryFallsBackToTheCentredCropOfTheWidestAllowedRatio()
    {
        // torchvision: when ten tries fail, in_ratio > max(ratio) gives h = height, w = round(h * max(ratio)), centred.
        var transform = new RandomResizedCropTransform(32);
        Assert.Equal((493, 0, 13, 10), transform.CropBox(1000, 10, new Random(3)));
        Assert.Equal((0, 493, 10, 13), transform.CropBox(10, 1000, new Random(3)));
    }

    [Fact]
    public void SameRandomSourceGivesTheSameTensorAndAnotherSourceADifferentOne()
    {
        var image = new DecodedImage(ImageMode.RGB, 40, 30, [.. Enumerable.Range(0, 40 * 30 * 3).Select(i => (byte)(i * 31 % 251))]);
        var transform = new RandomResizedCropTransform(16);
        Assert.Equal(transform.Apply(image, new Random(9)), transform.Apply(image, new Random(9)));
        Assert.NotEqual(transform.Apply(image, new Random(9)), transform.Apply(image, new Random(10)));
    }
}
