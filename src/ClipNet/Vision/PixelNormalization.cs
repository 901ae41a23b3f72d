namespace ClipNet.Vision;

/// <summary>
/// torchvision's <c>ToTensor()</c> then <c>Normalize(mean, std)</c>: HWC bytes to CHW float32,
/// <c>(x / 255 - mean[c]) / std[c]</c> with every operation in float32 and mean/std rounded to float32
/// first, which reproduces the reference tensors bit for bit. The expression is evaluated once per byte
/// value and channel into a 256-entry table, which gives the same floats as evaluating it per pixel.
/// </summary>
public static class PixelNormalization
{
    /// <summary>Normalises interleaved RGB bytes of a width x height image into <paramref name="chw"/> (length 3 * width * height).</summary>
    public static void Normalize(ReadOnlySpan<byte> rgb, int width, int height, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, Span<float> chw) =>
        Normalize(rgb, width, height, 3, mean, std, chw);

    /// <summary>
    /// Normalises a width x height image of 3 channels (RGB) or 1 (grey, which Pillow's <c>convert("RGB")</c>
    /// copies into all three) into <paramref name="chw"/> (length 3 * width * height).
    /// </summary>
    public static void Normalize(ReadOnlySpan<byte> pixels, int width, int height, int channels, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, Span<float> chw)
    {
        int plane = width * height;
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "normalisation reads RGB (3 channels) or grey (1)");
        if (pixels.Length != plane * channels || chw.Length != plane * 3)
            throw new ArgumentException($"a {width}x{height} image with {channels} channels needs {plane * channels} bytes and {plane * 3} floats, got {pixels.Length} and {chw.Length}");
        if (mean.Length != 3 || std.Length != 3)
            throw new ArgumentException($"mean and std need 3 values each, got {mean.Length} and {std.Length}");

        Span<float> table = stackalloc float[3 * 256];
        for (int c = 0; c < 3; c++)
        {
            float m = mean[c], s = std[c];
            for (int value = 0; value < 256; value++)
            {
                float unit = value / 255f;
                table[c * 256 + value] = (unit - m) / s;
            }
        }
        ReadOnlySpan<float> red = table[..256], green = table.Slice(256, 256), blue = table.Slice(512, 256);
        Span<float> r = chw[..plane], g = chw.Slice(plane, plane), b = chw.Slice(2 * plane, plane);
        if (channels == 3)
        {
            for (int i = 0; i < plane; i++)
            {
                r[i] = red[pixels[3 * i]];
                g[i] = green[pixels[3 * i + 1]];
                b[i] = blue[pixels[3 * i + 2]];
            }
        }
        else
        {
            for (int i = 0; i < plane; i++)
            {
                byte grey = pixels[i];
                r[i] = red[grey];
                g[i] = green[grey];
                b[i] = blue[grey];
            }
        }
    }
}
