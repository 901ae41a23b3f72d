using System.Text;
using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class SafeTensorsReadTests
{
    [Fact]
    public void ReadsTheReferenceWeightsWithTheirShapesAndValues()
    {
        using var file = SafeTensorsFile.Open(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        Assert.Equal(62, file.Tensors.Count);
        Assert.Equal(new long[] { 128, 3, 8, 8 }, file.Info("visual.conv1.weight").Shape);
        using var conv = file.Load("visual.conv1.weight");
        var raw = file.ReadBytes("visual.conv1.weight");
        Assert.Equal(BitConverter.ToSingle(raw, 4), conv[0, 0, 0, 1].item<float>());
        using var scale = file.Load("logit_scale");
        Assert.Empty(scale.shape);
        Assert.Equal(["clip_config", "format", "source"], file.Metadata.Keys.Order());
        Assert.StartsWith("{\"embed_dim\": 32,", file.Metadata["clip_config"]);
    }

    [Fact]
    public void ReadsInt64AndUInt8Tensors()
    {
        using var rn = SafeTensorsFile.Open(SharedFixtures.Fixture("models", "rn", "weights_openai.safetensors"));
        using var count = rn.Load("visual.bn1.num_batches_tracked");
        Assert.Equal(ScalarType.Int64, count.dtype);
        Assert.Equal(0L, count.item<long>());
        using var jpeg = SafeTensorsFile.Open(SharedFixtures.Fixture("preprocess", "decoded_jpeg.safetensors"));
        var name = jpeg.Tensors.Keys.First();
        using var pixels = jpeg.Load(name);
        Assert.Equal(ScalarType.Byte, pixels.dtype);
        Assert.Equal(jpeg.ReadBytes(name), TensorBytes.Of(pixels));
    }

    /// <summary>Other writers need not pad the header; data that is not element-aligned is copied instead of mapped.</summary>
    [Fact]
    public void ReadsDataThatIsNotAligned()
    {
        using var folder = new TempFolder();
        var header = Encoding.ASCII.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}");
        Assert.NotEqual(0, header.Length % 4);   // so the data section starts off a 4-byte boundary
        var data = new[] { 1.5f, -2f, 3.25f }.SelectMany(BitConverter.GetBytes).ToArray();
        string path = folder.Write("odd.safetensors", [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. data]);
        using var file = SafeTensorsFile.Open(path);
        using var a = file.Load("a");
        Assert.Equal(new[] { 1.5f, -2f, 3.25f }, a.data<float>().ToArray());
    }
}
