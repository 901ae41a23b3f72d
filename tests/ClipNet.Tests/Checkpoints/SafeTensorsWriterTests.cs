using System.Text;
using System.Text.Json;
using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class SafeTensorsWriterTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>
    /// Reading a reference file and writing it back with the same metadata reproduces it byte for byte:
    /// header JSON, padding, tensor order and data layout all match what the Python writer produced. These
    /// files cover F32 alone, U8 alone, and I64 mixed with F32.
    /// </summary>
    [Theory]
    [InlineData("models/vit/weights_openai.safetensors")]
    [InlineData("models/vit/hf/model.safetensors")]
    [InlineData("models/rn/weights_openai.safetensors")]
    [InlineData("models/vit/expected.safetensors")]
    [InlineData("preprocess/decoded_jpeg.safetensors")]
    public void RewritingAReferenceFileReproducesItsBytes(string fixture)
    {
        string reference = SharedFixtures.Fixture(fixture.Split('/'));
        using var tensors = StateDictReader.Read(reference);
        string copy = folder.File("copy.safetensors");
        SafeTensorsWriter.Write(copy, tensors, tensors.Metadata);
        Assert.True(File.ReadAllBytes(reference).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), $"{fixture} was not reproduced byte for byte");
    }

    /// <summary>
    /// Files that mix I32 with F32 or I64 with F64 were laid out by the fixture generator by element size
    /// alone; the Python library orders by its dtype enum (F32 before I32, I64 before F64), which is what
    /// the writer follows. The tensors still round-trip exactly.
    /// </summary>
    [Theory]
    [InlineData("models/vit/inputs.safetensors")]
    [InlineData("models/vit/expected_float64.safetensors")]
    public void MixedWidthFilesRoundTripExactly(string fixture)
    {
        string reference = SharedFixtures.Fixture(fixture.Split('/'));
        using var original = SafeTensorsFile.Open(reference);
        using var tensors = StateDictReader.Read(reference);
        string copy = folder.File("copy.safetensors");
        SafeTensorsWriter.Write(copy, tensors, tensors.Metadata);
        using var reread = StateDictReader.Read(copy);
        Assert.Equal(original.Tensors.Keys.Order(), reread.Keys.Order());
        foreach (var name in original.Tensors.Keys) TensorBytes.AssertIdentical(original, name, reread[name], name);
        Assert.Equal(original.Metadata, reread.Metadata);
    }

    [Fact]
    public void LaysOutTensorsInThePythonLibraryOrder()
    {
        // safetensors' Rust `Dtype` enum: ... F16 < BF16 < I32 < F32 < F64 < I64; sorted highest first, then by name.
        var tensors = new Dictionary<string, Tensor>
        {
            ["a_int32"] = torch.ones(2, ScalarType.Int32),
            ["b_float32"] = torch.ones(2, ScalarType.Float32),
            ["c_float64"] = torch.ones(2, ScalarType.Float64),
            ["d_int64"] = torch.ones(2, ScalarType.Int64),
            ["e_bool"] = torch.ones(2, ScalarType.Bool),
            ["f_half"] = torch.ones(2, ScalarType.Float16),
            ["g_bfloat16"] = torch.ones(2, ScalarType.BFloat16),
            ["h_uint8"] = torch.ones(2, ScalarType.Byte),
            ["a_float32"] = torch.ones(2, ScalarType.Float32),
        };
        string path = folder.File("order.safetensors");
        SafeTensorsWriter.Write(path, tensors);
        using var file = SafeTensorsFile.Open(path);
        var layout = file.Tensors.Values.OrderBy(t => t.Begin).Select(t => t.Name);
        Assert.Equal(["d_int64", "c_float64", "a_float32", "b_float32", "a_int32", "g_bfloat16", "f_half", "h_uint8", "e_bool"], layout);
        Assert.Equal(0, file.Tensors.Values.Min(t => t.Begin));
        Assert.Equal(new FileInfo(path).Length - 8 - (long)BitConverter.ToUInt64(File.ReadAllBytes(path), 0), file.Tensors.Values.Max(t => t.End));
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToEightBytes()
    {
        string path = folder.File("pad.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.zeros(3) }, null);
        var bytes = File.ReadAllBytes(path);
        int headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.Equal("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", header.TrimEnd(' '));
        Assert.Equal(8 + headerLength + 12, bytes.Length);
    }

    [Fact]
    public void EveryDTypeAndNonContiguousInputRoundTrip()
    {
        var source = torch.arange(0, 24, ScalarType.Float64).reshape(4, 6);
        var tensors = new Dictionary<string, Tensor>
        {
            ["f64"] = source,
            ["f32_transposed"] = source.to(ScalarType.Float32).t(),
            ["f16"] = source.to(ScalarType.Float16),
            ["bf16"] = source.to(ScalarType.BFloat16).narrow(1, 1, 3),
            ["i64"] = source.to(ScalarType.Int64),
            ["i32"] = source.to(ScalarType.Int32),
            ["i16"] = source.to(ScalarType.Int16),
            ["i8"] = source.to(ScalarType.Int8),
            ["u8"] = source.to(ScalarType.Byte),
            ["bool"] = source.gt(10),
            ["scalar"] = torch.tensor(2.5f),
            ["empty"] = torch.zeros(0, 5),
        };
        string path = folder.File("all.safetensors");
        SafeTensorsWriter.Write(path, tensors, new Dictionary<string, string>());
        using var file = SafeTensorsFile.Open(path);
        Assert.Empty(file.Metadata);
        foreach (var (name, expected) in tensors)
        {
            using var actual = file.Load(name);
            Assert.Equal(expected.dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(TensorBytes.Of(expected), TensorBytes.Of(actual));
        }
    }

    [Fact]
    public void MetadataWithQuotesControlCharactersAndUnicodeRoundTrips()
    {
        var metadata = new Dictionary<string, string> { ["note"] = "say \"hi\"\\ \n\t\u0001 naïve — 🐱", ["format"] = "pt" };
        string path = folder.File("meta.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.ones(1) }, metadata);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        // Written as serde_json does: only quote, backslash and control characters escaped, \u0001 in lower-case hex.
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path));
        Assert.Contains("\"say \\\"hi\\\"\\\\ \\n\\t\\u0001 naïve — 🐱\"", header);
    }

    [Fact]
    public void ReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        string path = folder.Write("model.safetensors", Encoding.ASCII.GetBytes("old contents"));
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.ones(2) });
        using (var file = SafeTensorsFile.Open(path)) Assert.Equal(["x"], file.Tensors.Keys);
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFileAndNoTemporaryFiles()
    {
        string path = folder.Write("model.safetensors", Encoding.ASCII.GetBytes("old contents"));
        var error = Assert.Throws<ClipNetException>(() =>
            SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["z"] = torch.zeros(2, ScalarType.ComplexFloat32) }));
        Assert.Contains(path, error.Message);
        Assert.Contains("'z'", error.Message);
        Assert.Equal("old contents", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void WritingIntoAMissingFolderIsAUserError()
    {
        string path = Path.Combine(folder.Path, "no", "such", "dir", "x.safetensors");
        var error = Assert.Throws<ClipNetException>(() => SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = torch.ones(1) }));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReservedNameIsRefused()
    {
        string path = folder.File("bad.safetensors");
        var error = Assert.Throws<ClipNetException>(() => SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["__metadata__"] = torch.ones(1) }));
        Assert.Contains("__metadata__", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void HeaderIsCompactJsonThatStandardParsersRead()
    {
        string path = folder.File("json.safetensors");
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["b"] = torch.ones(2, 2), ["a"] = torch.ones(3) }, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(path);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)BitConverter.ToUInt64(bytes, 0)));
        Assert.Equal(["__metadata__", "a", "b"], doc.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
