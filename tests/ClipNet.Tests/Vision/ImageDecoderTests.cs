using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Vision;

public class ImageDecoderTests
{
    [Theory]
    [MemberData(nameof(PreprocessCases.Keys), MemberType = typeof(PreprocessCases))]
    public void OpensEachImageInPillowsModeAndSize(string key)
    {
        var expected = PreprocessCases.Named(key);
        var image = ImageDecoder.Decode(expected.ImagePath);
        Assert.Equal(expected.PillowMode, image.Mode.PillowName());
        Assert.Equal((expected.Width, expected.Height), (image.Width, image.Height));
    }

    /// <summary><c>decoded_jpeg.safetensors</c> holds <c>numpy.asarray(Image.open(file))</c> from Pillow with libjpeg-turbo 2.1.5.</summary>
    [Theory]
    [InlineData("rgb_640x480.jpg")]
    [InlineData("rgb_480x640_portrait.jpg")]
    [InlineData("exif_orient6_400x300.jpg")]
    [InlineData("cmyk_400x300.jpg")]
    public void JpegPixelsEqualPillowsDecode(string key)
    {
        var (shape, expected) = PreprocessCases.ReadBytes("decoded_jpeg.safetensors", key);
        var image = ImageDecoder.Decode(PreprocessCases.Named(key).ImagePath);
        Assert.Equal(shape, new long[] { image.Height, image.Width, image.BytesPerPixel });
        if (expected.AsSpan().SequenceEqual(image.Pixels)) return;
        int differing = expected.Zip(image.Pixels).Count(pair => pair.First != pair.Second);
        Assert.Fail($"{key}: {differing} of {expected.Length} samples differ from Pillow's");
    }

    /// <summary>
    /// Decoding into the thread's buffer (as preprocessing does) gives Pillow's pixels each time, also when the
    /// previous image of the same byte size is still in that buffer: the landscape and the portrait fixture are both
    /// 307,200 pixels, so the second decode reuses the first one's array and must overwrite every byte of it.
    /// </summary>
    [Fact]
    public void DecodingIntoTheThreadsBufferOverwritesThePreviousImage()
    {
        var landscape = ImageDecoder.Decode(PreprocessCases.Named("rgb_640x480.jpg").ImagePath, reuseThreadBuffer: true);
        Assert.Equal(PreprocessCases.ReadBytes("decoded_jpeg.safetensors", "rgb_640x480.jpg").Item2, landscape.Pixels);
        var portrait = ImageDecoder.Decode(PreprocessCases.Named("rgb_480x640_portrait.jpg").ImagePath, reuseThreadBuffer: true);
        Assert.Same(landscape.Pixels, portrait.Pixels);
        Assert.Equal(PreprocessCases.ReadBytes("decoded_jpeg.safetensors", "rgb_480x640_portrait.jpg").Item2, portrait.Pixels);
        // Without it every image has its own array.
        Assert.NotSame(portrait.Pixels, ImageDecoder.Decode(PreprocessCases.Named("rgb_480x640_portrait.jpg").ImagePath).Pixels);
    }

    /// <summary>
    /// The channels kept from Skia's RGBA output, for pixel counts that are not a multiple of the four pixels the
    /// vectorised RGB copy takes at a time (7×3 = 21, 1×1, 5×5): lossless PNGs of known values come back exactly.
    /// </summary>
    [Theory]
    [InlineData(7, 3)]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    public void RgbRgbaAndGrayPngsComeBackExactly(int width, int height)
    {
        byte Value(int x, int y, int channel) => (byte)(37 * x + 91 * y + 53 * channel + 11);
        foreach (var (colorType, alpha, mode) in new[]
        {
            (SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Opaque, ImageMode.RGB),
            (SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul, ImageMode.RGBA),
            (SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque, ImageMode.L),
        })
        {
            using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(width, height, colorType, alpha));
            int channels = colorType == SkiaSharp.SKColorType.Gray8 ? 1 : 4;
            var raw = new byte[width * height * channels];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < channels; c++)
                        raw[(y * width + x) * channels + c] = alpha == SkiaSharp.SKAlphaType.Opaque && c == 3 ? (byte)255 : Value(x, y, c);
            System.Runtime.InteropServices.Marshal.Copy(raw, 0, bitmap.GetPixels(), raw.Length);
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);

            var image = ImageDecoder.Decode(png.ToArray(), $"{width}x{height} {mode}", reuseThreadBuffer: true);
            Assert.Equal(mode, image.Mode);
            int kept = mode.BytesPerPixel();
            var expected = new byte[width * height * kept];
            for (int i = 0; i < width * height; i++)
                for (int c = 0; c < kept; c++)
                    expected[i * kept + c] = raw[i * channels + c];
            Assert.Equal(expected, image.Pixels);
        }
    }

    /// <summary>
    /// CMYK JPEGs the exact decoder does not handle (here the fixture relabelled as YCCK through its Adobe
    /// marker) are still decoded, by Skia, as RGB.
    /// </summary>
    [Fact]
    public void UnsupportedCmykCodingFallsBackToSkiasRgb()
    {
        var bytes = File.ReadAllBytes(PreprocessCases.Named("cmyk_400x300.jpg").ImagePath);
        int adobe = IndexOf(bytes, "Adobe"u8);
        Assert.Equal(0, bytes[adobe + 11]);
        bytes[adobe + 11] = 2;
        var image = ImageDecoder.Decode(bytes, "ycck.jpg");
        Assert.Equal(ImageMode.RGB, image.Mode);
        Assert.Equal((400, 300), (image.Width, image.Height));
    }

    static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    [Fact]
    public void SixteenBitGrayscaleKeepsItsFullRange()
    {
        var image = ImageDecoder.Decode(PreprocessCases.Named("gray16_320x256.png").ImagePath);
        var values = image.Int32Values;
        int half = image.Width / 2;
        int leftMax = 0, rightMax = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                int v = values[y * image.Width + x];
                if (x < half) leftMax = Math.Max(leftMax, v); else rightMax = Math.Max(rightMax, v);
            }
        // The README: left half about 0..511 (a ramp with a little noise), right half the full 0..65535 range.
        // An 8-bit decode would give at most 255 and 255.
        Assert.InRange(leftMax, 500, 520);
        Assert.Equal(65535, rightMax);
    }

    [Fact]
    public void SixteenBitResizeIsNotClampedAsTheReadmeStates()
    {
        var image = ImageDecoder.Decode(PreprocessCases.Named("gray16_320x256.png").ImagePath);
        var resized = PillowResize.Resize(image, 280, 224);
        Assert.Equal(ImageMode.I, resized.Mode);
        var values = resized.Int32Values.ToArray();
        Assert.Equal(-1, values.Min());
        Assert.Equal(65505, values.Max());
    }
}
