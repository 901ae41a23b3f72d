using ClipNet.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests;

/// <summary>Reads reference tensors and compares ours against them with the fixture README's tolerances.</summary>
public static class FixtureTensors
{
    public static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Tensors.Keys.ToDictionary(k => k, k => file.Load(k).clone());
    }

    /// <summary>Asserts |actual - expected| <= atol + rtol·|expected| elementwise, naming the tensor and the worst element.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Xunit.Assert.Equal(expected.shape, actual.shape);
        var e = expected.to_type(ScalarType.Float64);
        var a = actual.to_type(ScalarType.Float64);
        var excess = (a - e).abs() - (atol + rtol * e.abs());
        double worst = excess.max().item<double>();
        if (worst > 0)
        {
            double maxAbs = (a - e).abs().max().item<double>();
            Xunit.Assert.Fail($"{what}: max |a-b| = {maxAbs:E3} exceeds atol {atol:E1} + rtol {rtol:E1}·|b| (max |b| = {e.abs().max().item<double>():E3})");
        }
    }

    /// <summary>Relative error against a float64 reference: max |a-b| / max |b|.</summary>
    public static double MaxRelativeError(Tensor expected, Tensor actual)
    {
        var e = expected.to_type(ScalarType.Float64);
        var a = actual.to_type(ScalarType.Float64);
        return (a - e).abs().max().item<double>() / Math.Max(e.abs().max().item<double>(), 1e-300);
    }
}
