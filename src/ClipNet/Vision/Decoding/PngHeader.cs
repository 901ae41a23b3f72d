using System.Buffers.Binary;

namespace ClipNet.Vision;

/// <summary>A PNG's IHDR chunk: what Pillow looks at to choose the mode it opens the image in.</summary>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    public const int Grayscale = 0, Truecolor = 2, Indexed = 3, GrayscaleAlpha = 4, TruecolorAlpha = 6;

    /// <summary>Reads IHDR, which the format requires to be the first chunk.</summary>
    public static PngHeader Read(ReadOnlySpan<byte> png)
    {
        if (png.Length < 33 || !png[12..16].SequenceEqual("IHDR"u8) || BinaryPrimitives.ReadUInt32BigEndian(png[8..]) != 13)
            throw new InvalidDataException("corrupt PNG header (no IHDR chunk)");
        var ihdr = png[16..29];
        return new PngHeader(
            BinaryPrimitives.ReadInt32BigEndian(ihdr), BinaryPrimitives.ReadInt32BigEndian(ihdr[4..]),
            ihdr[8], ihdr[9], ihdr[12] == 1);
    }

    /// <summary>
    /// Pillow's mode for this header: 16-bit samples are read as their high byte, except 16-bit grayscale,
    /// which opens as 32-bit integers (mode I) with the full value.
    /// </summary>
    public ImageMode PillowMode => ColorType switch
    {
        Grayscale when BitDepth == 1 => ImageMode.Bilevel,
        Grayscale when BitDepth == 16 => ImageMode.I,
        Grayscale => ImageMode.L,
        Truecolor => ImageMode.RGB,
        Indexed => ImageMode.P,
        GrayscaleAlpha => ImageMode.LA,
        TruecolorAlpha => ImageMode.RGBA,
        _ => throw new InvalidDataException($"corrupt PNG header (colour type {ColorType})"),
    };
}
