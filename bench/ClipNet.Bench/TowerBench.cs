using ClipNet.IO;
using System.Diagnostics;
using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Bench;

/// <summary>
/// `-- towers [BATCHES]`: image towers alone, ViT-B/32 and RN50 in float32 and bf16 at each batch size, with the
/// minor page faults each forward pass takes. A forward pass that reuses memory already mapped faults almost
/// never; one whose tensors come from memory freshly mapped by the allocator faults once per 4 KiB it writes,
/// which is what makes RN50 in float32 collapse at batch 32 under glibc's default malloc (README, "Memory allocator").
/// </summary>
static class TowerBench
{
    public static List<(string What, string Result)> Run(string[] args)
    {
        var batches = args.Length > 1 ? args[1].Split(',').Select(int.Parse).ToArray() : [1, 8, 32, 64];
        double gemm32 = Timing.GemmGflops(1024), gemm16 = Timing.GemmGflops(1024, ScalarType.BFloat16);
        var rows = new List<(string, string)>
        {
            ("float32 / bf16 GEMM 1024×1024", $"{gemm32:F1} / {gemm16:F1} GFLOP/s"),
        };
        string[] names = args.Length > 2 ? args[2].Split(',') : ["ViT-B-32-quickgelu", "RN50-quickgelu"];
        var dtypes = args.Length > 3 ? args[3].Split(',').Select(Enum.Parse<ScalarType>).ToArray() : [ScalarType.Float32, ScalarType.BFloat16];
        foreach (string name in names)
            foreach (var dtype in dtypes)
            {
                using var model = new ClipModel(ModelConfigs.Get(name));
                if (dtype != ScalarType.Float32) model.to(dtype);
                model.eval();
                var config = model.Config;
                double? flops = config.Vision.IsVisionTransformer ? Flops.VisionTransformer(config.Vision, config.EmbedDim) : null;
                double gemm = dtype == ScalarType.Float32 ? gemm32 : gemm16;
                using var _ = torch.no_grad();
                foreach (int batch in batches)
                {
                    var pixels = torch.randn(batch, 3, config.Vision.ImageSize, config.Vision.ImageSize).to_type(dtype);
                    var (seconds, faults, user, system) = Measure(() => model.EncodeImage(pixels).Dispose(), batch <= 8 ? 3 : 2);
                    double rate = batch / seconds;
                    string ofGemm = flops is double f ? $" = {rate * f / 1e9 / gemm:P0} of GEMM" : "";
                    rows.Add(($"{name} {dtype}, batch {batch}", $"{rate:F1} img/s{ofGemm}; {faults / batch:F0} minor page faults, " +
                        $"CPU {1e3 * user / batch:F0} ms user + {1e3 * system / batch:F0} ms system per image"));
                    Console.WriteLine($"| {rows[^1].Item1} | {rows[^1].Item2} |");
                }
            }
        rows.Add(("peak resident memory of this process (VmHWM)", MachineLoad.PeakResident()));
        return rows;
    }

    /// <summary>
    /// Median seconds, and mean minor page faults and user and system CPU seconds, of up to <paramref name="repeats"/>
    /// calls after <paramref name="warmUps"/> warm-up calls; fewer when the last warm-up call says they would take
    /// longer than <paramref name="budgetSeconds"/> (one call at least), so that ViT-L/14 in float32 does not take
    /// minutes a row.
    /// </summary>
    public static (double Seconds, double MinorFaults, double User, double System) Measure(Action action, int repeats,
        double budgetSeconds = double.PositiveInfinity, int warmUps = 1)
    {
        for (int i = 1; i < warmUps; i++) action();
        var warmUp = Stopwatch.StartNew();
        action();
        repeats = Math.Clamp((int)Math.Min(budgetSeconds / warmUp.Elapsed.TotalSeconds, repeats), 1, repeats);
        using var process = Process.GetCurrentProcess();
        long faults = ProcessStatistics.MinorFaults();
        var (user, system) = (process.UserProcessorTime, process.PrivilegedProcessorTime);
        double seconds = Timing.Median(action, repeats, warmUp: false);
        process.Refresh();
        return (seconds, (ProcessStatistics.MinorFaults() - faults) / (double)repeats,
            (process.UserProcessorTime - user).TotalSeconds / repeats, (process.PrivilegedProcessorTime - system).TotalSeconds / repeats);
    }
}
