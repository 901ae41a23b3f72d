using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

static class TensorBytes
{
    /// <summary>The tensor's elements as little-endian bytes in row-major order.</summary>
    public static byte[] Of(Tensor tensor)
    {
        using var contiguous = tensor.cpu().contiguous();
        return contiguous.bytes.ToArray();
    }

    /// <summary>Asserts that <paramref name="actual"/> holds exactly the reference file's tensor: dtype, shape and every bit.</summary>
    public static void AssertIdentical(SafeTensorsFile reference, string referenceName, Tensor actual, string because)
    {
        var info = reference.Info(referenceName);
        Assert.True(SafeTensorsFile.DTypes[info.DType] == actual.dtype, $"{because}: dtype {actual.dtype}, expected {info.DType}");
        Assert.True(info.Shape.SequenceEqual(actual.shape), $"{because}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", info.Shape)}]");
        Assert.True(reference.ReadBytes(referenceName).AsSpan().SequenceEqual(Of(actual)), $"{because}: values differ");
    }
}
