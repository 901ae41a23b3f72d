using System.Buffers.Binary;
using System.IO.Compression;

namespace ClipNet.Vision;

/// <summary>
/// Decodes 16-bit grayscale PNGs to their full 0..65535 values. Skia only hands these out as 8-bit or
/// half-float samples, neither of which keeps the values the reference resizes (Pillow's mode I).
/// </summary>
internal static class PngGray16Decoder
{
    // Adam7 passes: x start, y start, x step, y step.
    static readonly (int X, int Y, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    const int BytesPerSample = 2;

    public static int[] Decode(byte[] png, PngHeader header)
    {
        if (header.ColorType != PngHeader.Grayscale || header.BitDepth != 16)
            throw new ArgumentException("not a 16-bit grayscale PNG", nameof(header));
        int width = header.Width, height = header.Height;
        var passes = header.Interlaced ? Adam7 : [(0, 0, 1, 1)];
        long rawLength = 0;
        foreach (var pass in passes)
        {
            var (w, h) = PassSize(pass, width, height);
            if (w > 0 && h > 0) rawLength += (long)h * (1 + w * BytesPerSample);
        }
        var raw = Inflate(ConcatenatedImageData(png), rawLength);

        var values = new int[width * height];
        int offset = 0;
        foreach (var pass in passes)
        {
            var (w, h) = PassSize(pass, width, height);
            if (w == 0 || h == 0) continue;
            int rowLength = w * BytesPerSample;
            var previous = new byte[rowLength];
            var row = new byte[rowLength];
            for (int y = 0; y < h; y++)
            {
                int filter = raw[offset];
                raw.AsSpan(offset + 1, rowLength).CopyTo(row);
                offset += 1 + rowLength;
                Unfilter(filter, row, previous);
                for (int x = 0; x < w; x++)
                    values[(pass.Y + y * pass.Dy) * width + pass.X + x * pass.Dx] = (row[2 * x] << 8) | row[2 * x + 1];
                (previous, row) = (row, previous);
            }
        }
        return values;
    }

    static (int Width, int Height) PassSize((int X, int Y, int Dx, int Dy) pass, int width, int height) =>
        ((width - pass.X + pass.Dx - 1) / pass.Dx, (height - pass.Y + pass.Dy - 1) / pass.Dy);

    static byte[] ConcatenatedImageData(byte[] png)
    {
        var data = new MemoryStream();
        int position = 8;
        while (true)
        {
            if (position + 12 > png.Length) throw new InvalidDataException("truncated PNG file");
            long length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position));
            var type = png.AsSpan(position + 4, 4);
            if (position + 12 + length > png.Length) throw new InvalidDataException("truncated PNG file");
            if (type.SequenceEqual("IDAT"u8)) data.Write(png, position + 8, (int)length);
            if (type.SequenceEqual("IEND"u8)) break;
            position += 12 + (int)length;
        }
        data.Position = 0;
        return data.ToArray();
    }

    static byte[] Inflate(byte[] compressed, long length)
    {
        var raw = new byte[length];
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            inflater.ReadExactly(raw);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new InvalidDataException($"corrupt or truncated PNG image data ({e.Message})");
        }
        return raw;
    }

    /// <summary>Undoes a PNG row filter in place, given the previous (already unfiltered) row of the same pass.</summary>
    static void Unfilter(int filter, Span<byte> row, ReadOnlySpan<byte> previous)
    {
        for (int i = 0; i < row.Length; i++)
        {
            int left = i >= BytesPerSample ? row[i - BytesPerSample] : 0;
            int up = previous[i];
            int upLeft = i >= BytesPerSample ? previous[i - BytesPerSample] : 0;
            row[i] += filter switch
            {
                0 => 0,
                1 => (byte)left,
                2 => (byte)up,
                3 => (byte)((left + up) >> 1),
                4 => (byte)Paeth(left, up, upLeft),
                _ => throw new InvalidDataException($"corrupt PNG image data (filter type {filter})"),
            };
        }
    }

    static int Paeth(int left, int up, int upLeft)
    {
        int estimate = left + up - upLeft;
        int dLeft = Math.Abs(estimate - left), dUp = Math.Abs(estimate - up), dUpLeft = Math.Abs(estimate - upLeft);
        return dLeft <= dUp && dLeft <= dUpLeft ? left : dUp <= dUpLeft ? up : upLeft;
    }
}
