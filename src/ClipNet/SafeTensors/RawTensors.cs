using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.SafeTensors;

static class RawTensors
{
    /// <summary>A new tensor holding a copy of raw little-endian element bytes.</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, long[] shape)
    {
        var tensor = torch.empty(shape, dtype);
        bytes.CopyTo(tensor.bytes);
        return tensor;
    }
}
