using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Bench;

static class Timing
{
    /// <summary>Median wall time of <paramref name="repeats"/> runs, after one warm-up run unless the caller made it.</summary>
    public static double Median(Action action, int repeats, bool warmUp = true)
    {
        if (warmUp) action();
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    public const string GemmChildSwitch = "--float32-gemm";

    /// <summary>The float32 GEMM rate of a child process that keeps MKL's vendor check (ClipNet.IO.MklKernels).</summary>
    public static double GemmGflopsWithMklVendorCheck()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, [GemmChildSwitch]) { RedirectStandardOutput = true };
        start.Environment[ClipNet.IO.MklKernels.KeepVendorCheckVariable] = "1";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return double.Parse(output.Trim().Split('\n')[^1]);
    }

    /// <param name="warmUpSeconds">The first products of a process also start libtorch's thread pool and fault in its
    /// buffers: a second covers that; a rate taken again later needs less.</param>
    public static double GemmGflops(int n, ScalarType dtype = ScalarType.Float32, double warmUpSeconds = 1)
    {
        using var a = torch.randn(n, n, dtype);
        using var b = torch.randn(n, n, dtype);
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < warmUpSeconds) a.matmul(b).Dispose();
        double seconds = Median(() => a.matmul(b).Dispose(), repeats: 15);
        return 2.0 * n * n * n / seconds / 1e9;
    }
}
