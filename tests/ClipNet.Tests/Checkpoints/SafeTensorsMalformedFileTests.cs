using System.Text;
using ClipNet.Checkpoints;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

/// <summary>Broken safetensors files must be refused with a message that names the file and the problem.</summary>
public class SafeTensorsMalformedFileTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    static byte[] File(string headerJson, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var file = new byte[8 + header.Length + dataBytes];
        BitConverter.GetBytes((ulong)header.Length).CopyTo(file, 0);
        header.CopyTo(file, 8);
        return file;
    }

    void AssertRefused(string name, byte[] bytes, string problem)
    {
        string path = folder.Write(name, bytes);
        var error = Assert.Throws<ClipNetException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
        // The single entry point reports the same error.
        var again = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, again.Message);
    }

    [Fact]
    public void EmptyFile() => AssertRefused("empty.safetensors", [], "only 0 bytes");

    [Fact]
    public void TruncatedReferenceFile()
    {
        var whole = System.IO.File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        AssertRefused("truncated.safetensors", whole[..(whole.Length / 2)], "points past the end of the file");
    }

    [Fact]
    public void TruncatedInsideTheHeader()
    {
        var whole = System.IO.File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        AssertRefused("header_cut.safetensors", whole[..100], "the header claims 6840 bytes");
    }

    [Fact]
    public void CorruptHeaderJson() =>
        AssertRefused("json.safetensors", File("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", 4), "not valid JSON");

    [Fact]
    public void HeaderThatIsNotAnObject() => AssertRefused("array.safetensors", File("[1, 2, 3]", 0), "expected a JSON object");

    [Fact]
    public void OffsetsPastTheEndOfTheFile() =>
        AssertRefused("past_end.safetensors", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", 16), "points past the end of the file");

    [Fact]
    public void OverlappingTensors() =>
        AssertRefused("overlap.safetensors",
            File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24),
            "overlap");

    [Fact]
    public void UnknownDType() =>
        AssertRefused("dtype.safetensors", File("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2), "unsupported dtype 'Q4_K'");

    [Fact]
    public void ByteCountThatDoesNotMatchTheShape() =>
        AssertRefused("size.safetensors", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,16]}}", 16), "needs 24");

    [Fact]
    public void NegativeDimension() =>
        AssertRefused("negative.safetensors", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0), "negative dimension");

    [Fact]
    public void ShapeWhoseElementCountOverflows() =>
        AssertRefused("overflow.safetensors",
            File("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4), "tensor 'a'");

    [Fact]
    public void SameTensorListedTwice() =>
        AssertRefused("twice.safetensors",
            File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
            "listed twice");

    [Fact]
    public void MetadataThatIsNotStrings() =>
        AssertRefused("meta.safetensors", File("{\"__metadata__\":{\"epoch\":3}}", 0), "metadata value 'epoch' must be a string");

    [Fact]
    public void EntryWithoutOffsets() =>
        AssertRefused("nooffsets.safetensors", File("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "corrupt safetensors header entry for tensor 'a'");
}
