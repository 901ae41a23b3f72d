namespace ClipNet.Vision;

/// <summary>
/// Walks the marker segments of a JPEG file (SOI, then <c>FF xx</c> markers with big-endian lengths).
/// Corrupt structure raises <see cref="InvalidDataException"/>, which callers report with the file name.
/// </summary>
internal sealed class JpegSegmentReader
{
    public const byte StartOfImage = 0xD8, EndOfImage = 0xD9, StartOfScan = 0xDA;
    public const byte DefineHuffmanTable = 0xC4, DefineQuantizationTable = 0xDB, DefineRestartInterval = 0xDD, AdobeApp14 = 0xEE;

    readonly byte[] data;

    public JpegSegmentReader(byte[] data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != StartOfImage) throw new InvalidDataException("missing JPEG start-of-image marker");
        this.data = data;
        Position = 2;
    }

    public int Position { get; set; }

    /// <summary>
    /// Reads the next marker and, unless it stands alone (EOI, RSTn), its payload.
    /// After SOS, the entropy-coded data starts at <see cref="Position"/>.
    /// </summary>
    public (byte Marker, ReadOnlyMemory<byte> Payload) Next()
    {
        if (Position >= data.Length || data[Position] != 0xFF) throw new InvalidDataException($"expected a JPEG marker at byte {Position}");
        while (Position < data.Length && data[Position] == 0xFF) Position++;  // fill bytes
        if (Position >= data.Length) throw new InvalidDataException("truncated JPEG file (ends inside a marker)");
        byte marker = data[Position++];
        if (marker == EndOfImage || marker is >= 0xD0 and <= 0xD7) return (marker, ReadOnlyMemory<byte>.Empty);
        if (Position + 2 > data.Length) throw new InvalidDataException("truncated JPEG file (ends inside a segment header)");
        int length = (data[Position] << 8) | data[Position + 1];
        if (length < 2 || Position + length > data.Length) throw new InvalidDataException($"truncated or corrupt JPEG segment (marker {marker:X2}, length {length})");
        var payload = new ReadOnlyMemory<byte>(data, Position + 2, length - 2);
        Position += length;
        return (marker, payload);
    }

    /// <summary>The SOF markers: sequential, progressive, lossless, hierarchical, Huffman or arithmetic coded.</summary>
    public static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not DefineHuffmanTable and not 0xC8 and not 0xCC;

    /// <summary>The number of colour components in the frame header (1, 3 or 4 for the images Pillow opens).</summary>
    public static int ComponentCount(byte[] jpeg)
    {
        var reader = new JpegSegmentReader(jpeg);
        while (true)
        {
            var (marker, payload) = reader.Next();
            if (IsStartOfFrame(marker))
            {
                if (payload.Length < 6) throw new InvalidDataException("corrupt JPEG frame header");
                return payload.Span[5];
            }
            if (marker is StartOfScan or EndOfImage) throw new InvalidDataException("JPEG file has no frame header");
        }
    }
}
