namespace ClipNet.Vision;

/// <summary>
/// Reads the entropy-coded bits of a JPEG scan: <c>FF 00</c> is a stuffed <c>FF</c> byte, any other
/// <c>FF xx</c> is a marker. Like libjpeg, reading past a marker yields zero bits (a damaged scan decodes
/// to flat blocks); running out of file is an error.
/// </summary>
internal sealed class JpegBitReader
{
    readonly byte[] data;
    int position;
    int buffer;
    int bitCount;
    bool atMarker;

    public JpegBitReader(byte[] data, int position)
    {
        this.data = data;
        this.position = position;
    }

    public int ReadBit()
    {
        if (bitCount == 0)
        {
            buffer = NextByte();
            bitCount = 8;
        }
        bitCount--;
        return (buffer >> bitCount) & 1;
    }

    public int ReadBits(int count)
    {
        int value = 0;
        for (int i = 0; i < count; i++) value = (value << 1) | ReadBit();
        return value;
    }

    /// <summary>Reads <paramref name="size"/> bits and sign-extends them as JPEG codes coefficient differences.</summary>
    public int ReadSigned(int size)
    {
        if (size == 0) return 0;
        int value = ReadBits(size);
        return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
    }

    /// <summary>Drops the partial byte and consumes the restart marker that ends a restart interval.</summary>
    public void Restart()
    {
        bitCount = 0;
        int marker = SeekMarker();
        if (marker is >= 0xD0 and <= 0xD7)
        {
            position += 2;
            atMarker = false;
        }
    }

    /// <summary>The position of the marker that follows the scan.</summary>
    public int EndOfScan()
    {
        bitCount = 0;
        SeekMarker();
        return position;
    }

    int NextByte()
    {
        if (atMarker) return 0;
        if (position >= data.Length) throw new InvalidDataException("truncated JPEG data (the file ends inside a scan)");
        byte b = data[position];
        if (b != 0xFF)
        {
            position++;
            return b;
        }
        int next = position + 1;
        while (next < data.Length && data[next] == 0xFF) next++;
        if (next >= data.Length) throw new InvalidDataException("truncated JPEG data (the file ends inside a scan)");
        if (data[next] == 0x00)
        {
            position = next + 1;
            return 0xFF;
        }
        atMarker = true;
        return 0;
    }

    /// <summary>Moves to the next <c>FF xx</c> marker (xx not 00) and returns xx.</summary>
    int SeekMarker()
    {
        while (true)
        {
            if (position + 1 >= data.Length) throw new InvalidDataException("truncated JPEG data (no marker after the scan)");
            if (data[position] == 0xFF && data[position + 1] != 0x00 && data[position + 1] != 0xFF)
            {
                atMarker = true;
                return data[position + 1];
            }
            position++;
        }
    }
}
