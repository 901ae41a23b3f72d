using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ClipNet.IO;

namespace ClipNet.Interchange;

/// <summary>
/// Writes a matrix as a NumPy <c>.npy</c> file, format version 1.0, byte for byte as <c>numpy.save</c> does:
/// the magic <c>\x93NUMPY</c>, version 1 0, a little-endian uint16 header length, then the header — the
/// Python dict literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, D), }</c> padded with
/// spaces and ended by a newline so the data starts on a 64-byte boundary — and the values in C order.
/// This is what clip-retrieval's inference writes and autofaiss reads.
/// </summary>
public static class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0];
    const int Alignment = 64, GrowthAxisDigits = 21;

    /// <summary>The header dict's <c>descr</c> for little-endian float32 or float16.</summary>
    public static string Descr(EmbeddingPrecision precision) => precision == EmbeddingPrecision.Float16 ? "<f2" : "<f4";

    /// <summary>Writes <paramref name="rows"/> × <paramref name="columns"/> values (row-major) atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> values, int rows, int columns, EmbeddingPrecision precision)
    {
        if ((long)rows * columns != values.Length)
            throw new ArgumentException($"{values.Length} values do not fill a {rows} x {columns} matrix");
        var header = Header(Descr(precision), rows, columns);
        int elementSize = precision == EmbeddingPrecision.Float16 ? 2 : 4;
        var bytes = new byte[header.Length + (long)values.Length * elementSize];
        header.CopyTo(bytes, 0);
        var data = bytes.AsSpan(header.Length);
        for (int i = 0; i < values.Length; i++)
        {
            if (precision == EmbeddingPrecision.Float16) BinaryPrimitives.WriteHalfLittleEndian(data[(2 * i)..], (Half)values[i]);
            else BinaryPrimitives.WriteSingleLittleEndian(data[(4 * i)..], values[i]);
        }
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>The magic, version, length and padded header dict that come before the data.</summary>
    static byte[] Header(string descr, int rows, int columns)
    {
        // numpy.lib.format writes the keys sorted, each as "'key': repr(value), ", then leaves room for the
        // first axis to grow to 21 digits, then pads with 1 to 64 spaces so that magic + length + header +
        // '\n' is a multiple of 64.
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {columns}), }}");
        dict += new string(' ', GrowthAxisDigits - rows.ToString(CultureInfo.InvariantCulture).Length);
        int padding = Alignment - (Magic.Length + 2 + dict.Length + 1) % Alignment;
        string text = dict + new string(' ', padding) + "\n";
        var header = new byte[Magic.Length + 2 + text.Length];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(Magic.Length), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(Magic.Length + 2));
        return header;
    }
}

/// <summary>How embeddings are stored in interchange files: float32, or float16 at half the size (clip-retrieval's default).</summary>
public enum EmbeddingPrecision
{
    Float32,
    Float16,
}
