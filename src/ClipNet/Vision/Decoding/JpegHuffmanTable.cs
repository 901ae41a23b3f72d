namespace ClipNet.Vision;

/// <summary>A JPEG Huffman table (DHT): canonical codes of 1 to 16 bits, decoded one bit at a time.</summary>
internal sealed class JpegHuffmanTable
{
    readonly int[] maxCode = new int[17];
    readonly int[] valueOffset = new int[17];
    readonly byte[] values;

    /// <param name="counts">Number of codes of each length 1..16.</param>
    /// <param name="values">The symbols in code order.</param>
    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        this.values = values.ToArray();
        int code = 0, symbol = 0;
        for (int length = 1; length <= 16; length++)
        {
            int n = counts[length - 1];
            valueOffset[length] = symbol - code;
            code += n;
            symbol += n;
            maxCode[length] = n > 0 ? code - 1 : -1;
            if (code > 1 << length) throw new InvalidDataException("corrupt JPEG Huffman table (more codes than fit their length)");
            code <<= 1;
        }
        if (symbol > values.Length) throw new InvalidDataException("corrupt JPEG Huffman table (fewer symbols than codes)");
    }

    public int Decode(JpegBitReader reader)
    {
        int code = 0;
        for (int length = 1; length <= 16; length++)
        {
            code = (code << 1) | reader.ReadBit();
            if (code <= maxCode[length]) return values[code + valueOffset[length]];
        }
        throw new InvalidDataException("corrupt JPEG data (bad Huffman code)");
    }
}
