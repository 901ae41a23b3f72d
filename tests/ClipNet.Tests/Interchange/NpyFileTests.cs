using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ClipNet.Interchange;
using ClipNet.Tests.Checkpoints;
using Xunit;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// Our .npy files against the NumPy format specification (numpy.lib.format, "Format Version 1.0"), and against
/// NumPy itself where Debian's python3-numpy is installed.
/// </summary>
public class NpyFileTests
{
    // 3 rows × 5 columns with values whose float16 rounding is visible.
    static readonly float[] Values = [.. Enumerable.Range(0, 15).Select(i => (i - 7) * 0.1234567f)];

    [Theory]
    [InlineData(EmbeddingPrecision.Float32, "<f4", 4)]
    [InlineData(EmbeddingPrecision.Float16, "<f2", 2)]
    public void HeaderFollowsTheFormatSpecification(EmbeddingPrecision precision, string descr, int elementSize)
    {
        using var folder = new TempFolder();
        string path = folder.File("emb.npy");
        NpyFile.Write(path, Values, 3, 5, precision);
        var bytes = File.ReadAllBytes(path);

        // "The first 6 bytes are a magic string: exactly \x93NUMPY. The next 1 byte is an unsigned byte: the major
        // version number of the file format, e.g. \x01. The next 1 byte is ... the minor version number."
        Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], bytes[..8]);
        // "The next 2 bytes form a little-endian unsigned short int: the length of the header data HEADER_LEN."
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        // "...the total of len(magic string) + 2 + len(length) + HEADER_LEN be evenly divisible by 64 for alignment purposes."
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        // "terminated by a newline (\n) and padded with spaces (\x20)"
        Assert.EndsWith("\n", header);
        // "an ASCII string which contains a Python literal expression of a dictionary" with keys descr, fortran_order, shape.
        var match = Regex.Match(header.TrimEnd(' ', '\n'), @"^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \((\d+), (\d+)\), \}$");
        Assert.True(match.Success, header);
        Assert.Equal(descr, match.Groups[1].Value);
        Assert.Equal("False", match.Groups[2].Value);   // C order
        Assert.Equal(("3", "5"), (match.Groups[3].Value, match.Groups[4].Value));

        // "Following the header comes the array data": little-endian, row-major.
        var data = bytes.AsSpan(10 + headerLength);
        Assert.Equal(15 * elementSize, data.Length);
        for (int i = 0; i < 15; i++)
        {
            float stored = elementSize == 2 ? (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
            Assert.Equal(elementSize == 2 ? (float)(Half)Values[i] : Values[i], stored);
        }
    }

    [NumpyFact]
    public void NumpyLoadsTheFilesAndWouldWriteTheSameBytes()
    {
        using var folder = new TempFolder();
        foreach (var (precision, dtype) in new[] { (EmbeddingPrecision.Float32, "float32"), (EmbeddingPrecision.Float16, "float16") })
        {
            string path = folder.File($"emb-{dtype}.npy");
            NpyFile.Write(path, Values, 3, 5, precision);
            // np.load must give the dtype, shape, C order and values; np.save of what it read must give our bytes.
            string script = string.Join('\n',
                "import io, sys, numpy as np",
                "a = np.load(sys.argv[1])",
                "b = io.BytesIO(); np.save(b, a)",
                "print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], b.getvalue() == open(sys.argv[1], 'rb').read())",
                "print(' '.join(repr(float(v)) for v in a.ravel()))");
            var (output, error, exit) = Numpy.Run(script, path);
            Assert.True(exit == 0, error);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"{dtype} (3, 5) True True", lines[0]);
            var read = lines[1].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture));
            Assert.Equal(Values.Select(v => precision == EmbeddingPrecision.Float16 ? (float)(Half)v : v), read);
        }
    }
}

/// <summary>/usr/bin/python3 with NumPy (Debian: apt-get install python3-numpy), the reference reader for .npy.</summary>
static class Numpy
{
    const string Python = "/usr/bin/python3";

    public static readonly bool Available = File.Exists(Python) && Run("import numpy").Exit == 0;

    public static (string Output, string Error, int Exit) Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (output.Result, error.Result, process.ExitCode);
    }
}

/// <summary>A fact that is reported as skipped, with the reason, where NumPy is not installed.</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    public NumpyFactAttribute()
    {
        if (!Numpy.Available) Skip = "needs /usr/bin/python3 with NumPy to cross-check .npy files (Debian: apt-get install python3-numpy)";
    }
}
