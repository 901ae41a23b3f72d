namespace ClipNet.Vision;

/// <summary>
/// Decodes a CMYK JPEG to the samples Pillow returns for it. Skia can only hand out such images already
/// converted to RGB, but the reference resizes them in CMYK and converts afterwards, so the raw
/// components are needed. This reproduces libjpeg-turbo's default decode (Huffman sequential coding,
/// ISLOW inverse DCT) for the files Pillow and most tools write: baseline or extended sequential, Huffman
/// coded, 8-bit, all four components at full resolution, no YCCK transform. Pillow assumes Adobe's
/// inverted convention (stored 0 = full ink), so samples are inverted on the way out.
/// </summary>
internal static class CmykJpegDecoder
{
    static readonly byte[] NaturalOrder =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    sealed class Component
    {
        public int Id, H, V, QuantTable;
        public int DcTable, AcTable, Predictor;
        public byte[] Plane = [];
        public int Stride;
        public bool Decoded;
    }

    /// <summary>
    /// The CMYK samples (4 bytes per pixel, as Pillow's "CMYK" mode holds them), or null when the file uses
    /// a coding feature this decoder does not reproduce exactly (progressive or arithmetic coding, 12-bit
    /// samples, subsampled components, YCCK). Corrupt data raises <see cref="InvalidDataException"/>.
    /// </summary>
    public static byte[]? TryDecode(byte[] jpeg, out int width, out int height)
    {
        width = height = 0;
        var reader = new JpegSegmentReader(jpeg);
        var quantization = new ushort[]?[4];
        var dcTables = new JpegHuffmanTable?[4];
        var acTables = new JpegHuffmanTable?[4];
        Component[] components = [];
        int restartInterval = 0, adobeTransform = -1, mcusX = 0, mcusY = 0, maxH = 1, maxV = 1;

        while (true)
        {
            var (marker, payload) = reader.Next();
            var p = payload.Span;
            switch (marker)
            {
                case 0xC0 or 0xC1:
                    if (components.Length > 0) throw new InvalidDataException("JPEG file has two frame headers");
                    if (p.Length < 6 || p[0] != 8) return null;
                    height = (p[1] << 8) | p[2];
                    width = (p[3] << 8) | p[4];
                    int count = p[5];
                    if (width == 0 || height == 0 || count != 4 || p.Length < 6 + 3 * count) return null;
                    components = new Component[count];
                    for (int i = 0; i < count; i++)
                        components[i] = new Component { Id = p[6 + 3 * i], H = p[7 + 3 * i] >> 4, V = p[7 + 3 * i] & 15, QuantTable = p[8 + 3 * i] & 3 };
                    maxH = components.Max(c => c.H);
                    maxV = components.Max(c => c.V);
                    if (components.Any(c => c.H != maxH || c.V != maxV || c.H is < 1 or > 4 || c.V is < 1 or > 4)) return null;
                    mcusX = (width + 8 * maxH - 1) / (8 * maxH);
                    mcusY = (height + 8 * maxV - 1) / (8 * maxV);
                    foreach (var c in components)
                    {
                        c.Stride = mcusX * c.H * 8;
                        c.Plane = new byte[c.Stride * mcusY * c.V * 8];
                    }
                    break;
                case JpegSegmentReader.DefineQuantizationTable:
                    ReadQuantizationTables(p, quantization);
                    break;
                case JpegSegmentReader.DefineHuffmanTable:
                    ReadHuffmanTables(p, dcTables, acTables);
                    break;
                case JpegSegmentReader.DefineRestartInterval:
                    if (p.Length < 2) throw new InvalidDataException("corrupt JPEG restart interval");
                    restartInterval = (p[0] << 8) | p[1];
                    break;
                case JpegSegmentReader.AdobeApp14:
                    if (p.Length >= 12 && p[..5].SequenceEqual("Adobe"u8)) adobeTransform = p[11];
                    break;
                case JpegSegmentReader.StartOfScan:
                    // libjpeg reads a four-component image as YCCK unless there is no Adobe marker or it says transform 0.
                    if (components.Length == 0 || adobeTransform > 0) return null;
                    reader.Position = DecodeScan(jpeg, reader.Position, p, components, quantization, dcTables, acTables, restartInterval, width, height, mcusX, mcusY, maxH, maxV);
                    break;
                case JpegSegmentReader.EndOfImage:
                    if (components.Length == 0 || components.Any(c => !c.Decoded)) throw new InvalidDataException("truncated JPEG file (a component has no scan)");
                    return Interleave(components, width, height);
                default:
                    if (JpegSegmentReader.IsStartOfFrame(marker)) return null;
                    break;
            }
        }
    }

    static void ReadQuantizationTables(ReadOnlySpan<byte> p, ushort[]?[] tables)
    {
        int i = 0;
        while (i < p.Length)
        {
            int precision = p[i] >> 4, id = p[i] & 15;
            int size = precision == 0 ? 64 : 128;
            if (id > 3 || i + 1 + size > p.Length) throw new InvalidDataException("corrupt JPEG quantization table");
            var table = new ushort[64];
            for (int k = 0; k < 64; k++)
                table[NaturalOrder[k]] = precision == 0 ? p[i + 1 + k] : (ushort)((p[i + 1 + 2 * k] << 8) | p[i + 2 + 2 * k]);
            tables[id] = table;
            i += 1 + size;
        }
    }

    static void ReadHuffmanTables(ReadOnlySpan<byte> p, JpegHuffmanTable?[] dcTables, JpegHuffmanTable?[] acTables)
    {
        int i = 0;
        while (i < p.Length)
        {
            if (i + 17 > p.Length) throw new InvalidDataException("corrupt JPEG Huffman table");
            int tableClass = p[i] >> 4, id = p[i] & 15;
            var counts = p.Slice(i + 1, 16);
            int total = 0;
            foreach (var n in counts) total += n;
            if (id > 3 || tableClass > 1 || i + 17 + total > p.Length) throw new InvalidDataException("corrupt JPEG Huffman table");
            var table = new JpegHuffmanTable(counts, p.Slice(i + 17, total));
            (tableClass == 0 ? dcTables : acTables)[id] = table;
            i += 17 + total;
        }
    }

    /// <summary>Decodes one sequential scan into the component planes and returns the position of the marker after it.</summary>
    static int DecodeScan(byte[] jpeg, int dataStart, ReadOnlySpan<byte> header, Component[] components, ushort[]?[] quantization,
        JpegHuffmanTable?[] dcTables, JpegHuffmanTable?[] acTables, int restartInterval, int width, int height, int mcusX, int mcusY, int maxH, int maxV)
    {
        int count = header.Length > 0 ? header[0] : 0;
        if (count is < 1 or > 4 || header.Length < 4 + 2 * count) throw new InvalidDataException("corrupt JPEG scan header");
        var scan = new Component[count];
        for (int i = 0; i < count; i++)
        {
            int id = header[1 + 2 * i];
            scan[i] = components.FirstOrDefault(c => c.Id == id) ?? throw new InvalidDataException($"JPEG scan names unknown component {id}");
            scan[i].DcTable = header[2 + 2 * i] >> 4;
            scan[i].AcTable = header[2 + 2 * i] & 15;
            scan[i].Predictor = 0;
            if (scan[i].DcTable > 3 || scan[i].AcTable > 3 || dcTables[scan[i].DcTable] is null || acTables[scan[i].AcTable] is null || quantization[scan[i].QuantTable] is null)
                throw new InvalidDataException("JPEG scan uses an undefined Huffman or quantization table");
        }

        var bits = new JpegBitReader(jpeg, dataStart);
        var block = new short[64];
        // A single-component scan is not interleaved: its MCU is one block, over the component's own size.
        int scanMcusX = count == 1 ? CeilDiv(CeilDiv(width * scan[0].H, maxH), 8) : mcusX;
        int scanMcusY = count == 1 ? CeilDiv(CeilDiv(height * scan[0].V, maxV), 8) : mcusY;
        int mcu = 0;
        for (int my = 0; my < scanMcusY; my++)
        {
            for (int mx = 0; mx < scanMcusX; mx++, mcu++)
            {
                if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0)
                {
                    bits.Restart();
                    foreach (var c in scan) c.Predictor = 0;
                }
                foreach (var c in scan)
                {
                    int blocksH = count == 1 ? 1 : c.H, blocksV = count == 1 ? 1 : c.V;
                    for (int v = 0; v < blocksV; v++)
                        for (int h = 0; h < blocksH; h++)
                        {
                            DecodeBlock(bits, c, dcTables[c.DcTable]!, acTables[c.AcTable]!, block);
                            int bx = (count == 1 ? mx : mx * c.H + h) * 8, by = (count == 1 ? my : my * c.V + v) * 8;
                            JpegIslowIdct.Transform(block, quantization[c.QuantTable]!, c.Plane.AsSpan(by * c.Stride + bx), c.Stride);
                        }
                }
            }
        }
        foreach (var c in scan) c.Decoded = true;
        return bits.EndOfScan();
    }

    static int CeilDiv(int a, int b) => (a + b - 1) / b;

    static void DecodeBlock(JpegBitReader bits, Component c, JpegHuffmanTable dc, JpegHuffmanTable ac, short[] block)
    {
        Array.Clear(block);
        int size = dc.Decode(bits);
        if (size > 15) throw new InvalidDataException("corrupt JPEG data (bad DC coefficient size)");
        c.Predictor += bits.ReadSigned(size);
        block[0] = (short)c.Predictor;
        for (int k = 1; k < 64; k++)
        {
            int symbol = ac.Decode(bits);
            int run = symbol >> 4, acSize = symbol & 15;
            if (acSize == 0)
            {
                if (run != 15) break;  // end of block; 0xF0 skips sixteen zeros
                k += 15;
                continue;
            }
            k += run;
            // libjpeg clamps a run past the end onto the last coefficient rather than failing.
            block[NaturalOrder[Math.Min(k, 63)]] = (short)bits.ReadSigned(acSize);
        }
    }

    static byte[] Interleave(Component[] components, int width, int height)
    {
        var cmyk = new byte[width * height * 4];
        for (int c = 0; c < 4; c++)
        {
            var component = components[c];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    cmyk[(y * width + x) * 4 + c] = (byte)(255 - component.Plane[y * component.Stride + x]);
        }
        return cmyk;
    }
}
