namespace ClipNet.Vision;

/// <summary>
/// How Pillow stores an image's pixels (its "mode"). The mode decides how the reference resizes the image
/// (palette and bilevel images nearest-neighbour, alpha images premultiplied, 16-bit images in int32
/// without clamping) and how it becomes RGB afterwards, so a decoded image carries it along.
/// </summary>
public enum ImageMode
{
    /// <summary>Pillow "1": one byte per pixel, 0 or 255.</summary>
    Bilevel,
    /// <summary>8-bit grayscale.</summary>
    L,
    /// <summary>8-bit grayscale with alpha: bytes L, A.</summary>
    LA,
    /// <summary>
    /// Palette image. Stored with the palette already looked up (bytes R, G, B): the reference only ever
    /// resizes palette images nearest-neighbour, which picks whole pixels, so looking colours up before
    /// or after resizing gives the same RGB.
    /// </summary>
    P,
    RGB,
    RGBA,
    /// <summary>Bytes C, M, Y, K as Pillow returns them from an Adobe CMYK JPEG (0 = no ink).</summary>
    CMYK,
    /// <summary>Pillow "I": one native-endian int32 per pixel (16-bit grayscale PNGs open this way, 0..65535).</summary>
    I,
}

public static class ImageModeExtensions
{
    public static int BytesPerPixel(this ImageMode mode) => mode switch
    {
        ImageMode.Bilevel or ImageMode.L => 1,
        ImageMode.LA => 2,
        ImageMode.P or ImageMode.RGB => 3,
        ImageMode.RGBA or ImageMode.CMYK or ImageMode.I => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>The mode's name in Pillow ("1", "L", "RGB", ...).</summary>
    public static string PillowName(this ImageMode mode) => mode == ImageMode.Bilevel ? "1" : mode.ToString();
}
