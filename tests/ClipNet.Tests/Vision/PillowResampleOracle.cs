namespace ClipNet.Tests.Vision;

/// <summary>
/// The test oracle for the vectorised resize: Pillow 9.4's 8-bit convolution resize transcribed as plainly as
/// possible from libImaging/Resample.c (<c>bicubic_filter</c>, <c>precompute_coeffs</c>,
/// <c>normalize_coeffs_8bpc</c>, <c>ImagingResampleHorizontal_8bpc</c>, <c>ImagingResampleVertical_8bpc</c>), written
/// for these tests and sharing no code with the library: whole image, scalar loops, weights computed per pixel.
/// </summary>
static class PillowResampleOracle
{
    const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes interleaved 8-bit samples; a pass whose axis keeps its size is skipped, as Pillow skips it.</summary>
    public static byte[] Resize(byte[] pixels, int width, int height, int channels, int outWidth, int outHeight)
    {
        var image = pixels;
        if (outWidth != width)
        {
            var next = new byte[outWidth * height * channels];
            for (int x = 0; x < outWidth; x++)
            {
                var (first, weights) = Taps(width, outWidth, x);
                for (int y = 0; y < height; y++)
                    for (int c = 0; c < channels; c++)
                    {
                        int sum = 1 << (PrecisionBits - 1);
                        for (int t = 0; t < weights.Length; t++)
                            sum += image[((y * width) + first + t) * channels + c] * weights[t];
                        next[(y * outWidth + x) * channels + c] = Clip8(sum);
                    }
            }
            image = next;
        }
        if (outHeight != height)
        {
            var next = new byte[outWidth * outHeight * channels];
            for (int y = 0; y < outHeight; y++)
            {
                var (first, weights) = Taps(height, outHeight, y);
                for (int x = 0; x < outWidth; x++)
                    for (int c = 0; c < channels; c++)
                    {
                        int sum = 1 << (PrecisionBits - 1);
                        for (int t = 0; t < weights.Length; t++)
                            sum += image[((first + t) * outWidth + x) * channels + c] * weights[t];
                        next[(y * outWidth + x) * channels + c] = Clip8(sum);
                    }
            }
            image = next;
        }
        return image == pixels ? (byte[])pixels.Clone() : image;
    }

    /// <summary>The first source index and the fixed-point weights of output position <paramref name="at"/>.</summary>
    static (int First, int[] Weights) Taps(int inSize, int outSize, int at)
    {
        double scale = (double)(float)inSize / outSize;
        double filterScale = scale < 1.0 ? 1.0 : scale;
        double support = 2.0 * filterScale;
        double center = (at + 0.5) * scale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > inSize) xmax = inSize;
        xmax -= xmin;
        var k = new double[xmax];
        double total = 0.0;
        for (int x = 0; x < xmax; x++)
        {
            k[x] = Cubic((x + xmin - center + 0.5) * (1.0 / filterScale));
            total += k[x];
        }
        var fixedPoint = new int[xmax];
        for (int x = 0; x < xmax; x++)
        {
            double w = total != 0.0 ? k[x] / total : k[x];
            fixedPoint[x] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
        }
        return (xmin, fixedPoint);
    }

    static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    static byte Clip8(int sum)
    {
        if (sum >= 1 << PrecisionBits << 8) return 255;
        if (sum <= 0) return 0;
        return (byte)(sum >> PrecisionBits);
    }

    /// <summary>The <paramref name="width"/> x <paramref name="height"/> block at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static byte[] Crop(byte[] pixels, int imageWidth, int channels, int left, int top, int width, int height)
    {
        var output = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
            Array.Copy(pixels, ((top + y) * imageWidth + left) * channels, output, y * width * channels, width * channels);
        return output;
    }
}
