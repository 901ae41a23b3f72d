using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// Tensor arithmetic that leaves no Scalar to the finaliser. TorchSharp hands numbers to libtorch as native
/// Scalars with finalisers, and its shorthand forms make their own (<c>a + b</c> has a hidden alpha = 1,
/// <c>arange(n)</c> a hidden start and step) that nothing references once their handles are read. A garbage
/// collection started by another thread — a data worker, the live progress display — can then free one while
/// libtorch is still reading it, and training stops with "Expected false to be true … Scalar.h". The Scalars
/// here live as long as the program; callers hold any other Scalar in a variable (<c>using var s = x.ToScalar()</c>).
/// </summary>
public static class TensorArithmetic
{
    public static readonly Scalar Zero = 0.ToScalar(), One = 1.ToScalar(), Two = 2.ToScalar();

    /// <summary>a + b.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>start, start + 1, …, end − 1 as int64.</summary>
    public static Tensor Range(long start, long end, Device? device = null)
    {
        using Scalar first = start.ToScalar(), stop = end.ToScalar();
        return torch.arange(first, stop, One, ScalarType.Int64, device);
    }

    /// <summary>0, 1, …, count − 1 as int64.</summary>
    public static Tensor Range(long count, Device? device = null) => Range(0, count, device);
}
