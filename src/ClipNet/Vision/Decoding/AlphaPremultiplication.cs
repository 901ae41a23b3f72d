namespace ClipNet.Vision;

/// <summary>
/// Pillow's integer conversions between straight alpha (RGBA, LA) and premultiplied alpha (RGBa, La).
/// Pillow resizes alpha images premultiplied so that colours under transparent pixels do not bleed.
/// </summary>
public static class AlphaPremultiplication
{
    /// <summary>Pillow's MULDIV255: <c>x * y / 255</c> rounded, with shifts instead of a division.</summary>
    public static int MulDiv255(int x, int y)
    {
        int t = x * y + 128;
        return (t + (t >> 8)) >> 8;
    }

    /// <summary>In place: every colour byte becomes <c>MulDiv255(c, a)</c>; the alpha byte is the last of each pixel.</summary>
    public static void Premultiply(Span<byte> pixels, int bytesPerPixel)
    {
        for (int p = 0; p < pixels.Length; p += bytesPerPixel)
        {
            int alpha = pixels[p + bytesPerPixel - 1];
            for (int c = 0; c < bytesPerPixel - 1; c++)
                pixels[p + c] = (byte)MulDiv255(pixels[p + c], alpha);
        }
    }

    /// <summary>In place: the inverse, <c>min(255, 255 * c / a)</c>, leaving colours unchanged where alpha is 0 or 255.</summary>
    public static void Unpremultiply(Span<byte> pixels, int bytesPerPixel)
    {
        for (int p = 0; p < pixels.Length; p += bytesPerPixel)
        {
            int alpha = pixels[p + bytesPerPixel - 1];
            if (alpha is 0 or 255) continue;
            for (int c = 0; c < bytesPerPixel - 1; c++)
                pixels[p + c] = (byte)Math.Min(255, 255 * pixels[p + c] / alpha);
        }
    }
}
