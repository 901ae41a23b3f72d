using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Vision;

/// <summary>
/// The vectorised, region-only resize and the fused RGB/grey preprocessing against <see cref="PillowResampleOracle"/>
/// (a plain transcription of Pillow's C): identical bytes and identical floats on many sizes, channel counts, regions
/// and contents, including the awkward ones (1-pixel images, upscaling from tiny images, extreme aspect ratios, kernels
/// wider than a vector, rows that end at the buffer's end, and stripes that push the bicubic overshoot into the clamp).
/// </summary>
public class VectorisedResizeTests
{
    static readonly (int Width, int Height, int OutWidth, int OutHeight)[] Sizes =
    [
        (1, 1, 1, 1), (1, 1, 5, 3), (1, 1, 224, 224), (2, 2, 1, 1), (3, 1, 1, 1), (1, 7, 1, 2),
        (7, 5, 3, 9), (5, 7, 9, 3), (13, 11, 13, 4), (13, 11, 4, 11), (17, 1, 1, 1), (1, 300, 2, 224),
        (300, 1, 224, 1), (640, 480, 298, 224), (480, 640, 224, 298), (225, 300, 224, 298), (100, 50, 448, 224),
        (1000, 7, 13, 3), (3, 1000, 2, 11), (257, 129, 31, 17), (31, 17, 257, 129), (64, 64, 63, 65), (9, 9, 10, 8),
    ];

    public static TheoryData<int> Channels() => [1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(Channels))]
    public void WholeResizeMatchesPillowsLoops(int channels)
    {
        var random = new Random(channels);
        foreach (var (width, height, outWidth, outHeight) in Sizes)
            foreach (var pixels in Contents(random, width, height, channels))
            {
                var expected = PillowResampleOracle.Resize(pixels, width, height, channels, outWidth, outHeight);
                var actual = PillowResize.Bicubic(pixels, width, height, channels, outWidth, outHeight);
                AssertBytes(expected, actual, $"{width}x{height}x{channels} -> {outWidth}x{outHeight}");
            }
    }

    [Theory]
    [MemberData(nameof(Channels))]
    public void RegionIsTheCropOfTheWholeResize(int channels)
    {
        var random = new Random(100 + channels);
        var mode = channels switch { 1 => ImageMode.L, 2 => ImageMode.LA, 3 => ImageMode.RGB, _ => ImageMode.CMYK };
        for (int trial = 0; trial < 300; trial++)
        {
            var (width, height, outWidth, outHeight) = trial < Sizes.Length ? Sizes[trial] : RandomSize(random);
            var pixels = Contents(random, width, height, channels)[trial % 3];
            int left = random.Next(outWidth), top = random.Next(outHeight);
            var region = new PixelRegion(left, top, 1 + random.Next(outWidth - left), 1 + random.Next(outHeight - top));
            var expected = PillowResampleOracle.Crop(PillowResampleOracle.Resize(pixels, width, height, channels, outWidth, outHeight),
                outWidth, channels, region.Left, region.Top, region.Width, region.Height);
            var actual = new byte[expected.Length];
            PillowResize.ResizeInto(new DecodedImage(mode, width, height, pixels), outWidth, outHeight, region, actual);
            AssertBytes(expected, actual, $"{width}x{height}x{channels} -> {outWidth}x{outHeight}, region {region}");
        }
    }

    [Theory]
    [InlineData(ImageMode.RGB, 224)]
    [InlineData(ImageMode.L, 224)]
    [InlineData(ImageMode.RGB, 17)]
    [InlineData(ImageMode.L, 16)]
    public void PreprocessingEqualsResizeCropAndNormaliseDoneOneStepAtATime(ImageMode mode, int size)
    {
        var random = new Random(size + (int)mode);
        int channels = mode.BytesPerPixel();
        var preprocessor = new ImagePreprocessor(size);
        for (int trial = 0; trial < 24; trial++)
        {
            // Every third image tiny (upscaled from a few pixels), the others 16 to 700 pixels a side.
            bool tiny = trial % 3 == 0;
            int width = tiny ? 1 + random.Next(8) : 16 + random.Next(685), height = tiny ? 1 + random.Next(8) : 16 + random.Next(685);
            var pixels = Contents(random, width, height, channels)[trial % 3];
            var actual = preprocessor.Preprocess(new DecodedImage(mode, width, height, pixels));

            var (outWidth, outHeight) = ResizeGeometry.ShortSideTo(width, height, size);
            int left = (int)Math.Round((outWidth - size) / 2.0, MidpointRounding.ToEven), top = (int)Math.Round((outHeight - size) / 2.0, MidpointRounding.ToEven);
            var cropped = PillowResampleOracle.Crop(PillowResampleOracle.Resize(pixels, width, height, channels, outWidth, outHeight),
                outWidth, channels, left, top, size, size);
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < size * size; i++)
                {
                    float unit = cropped[i * channels + (channels == 3 ? c : 0)] / 255f;
                    float expected = (unit - ImagePreprocessor.ClipMean[c]) / ImagePreprocessor.ClipStd[c];
                    if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual[c * size * size + i]))
                        Assert.Fail($"{mode} {width}x{height} at {size}: channel {c}, pixel {i}: {actual[c * size * size + i]} != {expected}");
                }
        }
    }

    [Theory]
    [InlineData(ImageMode.P)]
    [InlineData(ImageMode.Bilevel)]
    [InlineData(ImageMode.RGBA)]
    [InlineData(ImageMode.LA)]
    [InlineData(ImageMode.I)]
    public void OtherModesGiveTheCropOfTheirWholeResize(ImageMode mode)
    {
        var random = new Random((int)mode);
        for (int trial = 0; trial < 40; trial++)
        {
            var (width, height, outWidth, outHeight) = trial < Sizes.Length ? Sizes[trial] : RandomSize(random);
            var pixels = new byte[width * height * mode.BytesPerPixel()];
            random.NextBytes(pixels);
            if (mode == ImageMode.I)   // 16-bit values, as a 16-bit PNG gives them
                for (int i = 0; i < pixels.Length; i += 4) { pixels[i + 2] = 0; pixels[i + 3] = 0; }
            var image = new DecodedImage(mode, width, height, pixels);
            int left = random.Next(outWidth), top = random.Next(outHeight);
            var region = new PixelRegion(left, top, 1 + random.Next(outWidth - left), 1 + random.Next(outHeight - top));
            var expected = PillowResize.Resize(image, outWidth, outHeight).Crop(region.Left, region.Top, region.Width, region.Height);
            var actual = PillowResize.Resize(image, outWidth, outHeight, region);
            Assert.Equal(mode, actual.Mode);
            AssertBytes(expected.Pixels, actual.Pixels, $"{mode} {width}x{height} -> {outWidth}x{outHeight}, region {region}");
        }
    }

    static (int, int, int, int) RandomSize(Random random)
    {
        int Side() => random.Next(4) == 0 ? 1 + random.Next(4) : 1 + random.Next(400);
        return (Side(), Side(), Side(), Side());
    }

    /// <summary>Noise, hard 0/255 stripes (the bicubic overshoot hits both ends of the clamp), and a smooth ramp.</summary>
    static byte[][] Contents(Random random, int width, int height, int channels)
    {
        var noise = new byte[width * height * channels];
        random.NextBytes(noise);
        var stripes = new byte[noise.Length];
        var ramp = new byte[noise.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                {
                    int i = (y * width + x) * channels + c;
                    stripes[i] = ((x / (1 + c)) + y) % 2 == 0 ? (byte)0 : (byte)255;
                    ramp[i] = (byte)((x * 7 + y * 3 + c * 50) % 256);
                }
        return [noise, stripes, ramp];
    }

    static void AssertBytes(byte[] expected, byte[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != actual[i])
                Assert.Fail($"{what}: byte {i} is {actual[i]}, Pillow's loops give {expected[i]}");
    }
}
