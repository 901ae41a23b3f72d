using System.Diagnostics;
using ClipNet.Data;
using ClipNet.Model;
using ClipNet.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Bench;

/// <summary>Samples per second of a whole training step (forward, backward, AdamW), float32 and bf16 mixed.</summary>
sealed record TrainingRates(double Float32, double BFloat16);

/// <summary>
/// A ViT-B/32 training step at batch 32, shaped as the peer's (`../shared/peer/peer_bench.py`): random weights,
/// random pixels, captions of random tokens with the end token at position 20, the symmetric contrastive loss and
/// AdamW. ClipNet runs the text tower up to the batch's last end token (21 positions), the peer all 77. Each phase
/// is timed on its own, so the rows say where a step's time goes, and the step's counted FLOPs are set against the
/// GEMM rate of the same precision, measured just before (the machine's speed drifts over a run).
/// </summary>
static class TrainingBench
{
    const int Batch = 32;
    const int TextPositions = 21;

    public static TrainingRates Run(BenchTable rows)
    {
        var (float32, bf16, gemm32, gemm16) = Measure(gemmRates: true);
        string Rate(StepPhases p, double gemm) =>
            $"{p.SamplesPerSecond:F2} samples/s = {p.SamplesPerSecond * FlopsPerSample / 1e9:F0} GFLOP/s = {p.SamplesPerSecond * FlopsPerSample / 1e9 / gemm:P0} of GEMM";
        rows.Add(($"ViT-B/32 training step, batch {Batch} (forward, backward, AdamW; {FlopsPerSample / 1e9:F1} GFLOP a sample), float32",
            $"{Rate(float32, gemm32)} (GEMM just before {gemm32:F0})"));
        rows.Add(("same, bf16 mixed (float32 master weights, matrix products in bf16)",
            $"{Rate(bf16, gemm16)} (GEMM just before {gemm16:F0}; {bf16.SamplesPerSecond / float32.SamplesPerSecond:F2}× float32)"));
        rows.Add(("same step by phase, float32 / bf16: zeroing gradients, loss and backward (ContrastiveStep), AdamW",
            $"{float32.Describe()} / {bf16.Describe()}"));
        return new TrainingRates(float32.SamplesPerSecond, bf16.SamplesPerSecond);
    }

    /// <summary>The two rates alone, measured again (beside the peer's, <see cref="PeerBench.Run"/>).</summary>
    public static TrainingRates Rates()
    {
        var (float32, bf16, _, _) = Measure(gemmRates: false);
        return new TrainingRates(float32.SamplesPerSecond, bf16.SamplesPerSecond);
    }

    static readonly ClipConfig Config = ModelConfigs.Get("ViT-B-32-quickgelu");
    static readonly double FlopsPerSample =
        3 * (Flops.VisionTransformer(Config.Vision, Config.EmbedDim) + Flops.TextTransformer(Config.Text, Config.EmbedDim, TextPositions));

    /// <param name="gemmRates">Whether to time the GEMM rate of each precision just before its steps (NaN when not).</param>
    static (StepPhases Float32, StepPhases BFloat16, double Gemm32, double Gemm16) Measure(bool gemmRates)
    {
        torch.manual_seed(0);
        using var model = new ClipModel(Config);
        model.train();
        using var optimizer = WeightDecayGroups.CreateAdamW(model, 1e-5, 0.2, 0.9, 0.98, 1e-6);
        var step = new ContrastiveStep(model, LossKind.Contrastive, TowerLock.None, 0);
        using var batch = new TrainingBatch(torch.randn(Batch, 3, 224, 224), PeerTokens(Batch, Config.Text.EndOfTextId));

        double gemm32 = gemmRates ? Timing.GemmGflops(1024, warmUpSeconds: 0.3) : double.NaN;
        var float32 = Phases(model, optimizer, step, batch, null, repeats: 3);
        double gemm16 = gemmRates ? Timing.GemmGflops(1024, ScalarType.BFloat16, warmUpSeconds: 0.3) : double.NaN;
        var bf16 = Phases(model, optimizer, step, batch, ScalarType.BFloat16, repeats: 3);
        return (float32, bf16, gemm32, gemm16);
    }

    sealed record StepPhases(double ZeroGrad, double LossAndBackward, double Optimizer)
    {
        public double SamplesPerSecond => Batch / (ZeroGrad + LossAndBackward + Optimizer);
        public string Describe() => $"{ZeroGrad:F2} + {LossAndBackward:F2} + {Optimizer:F2} s";
    }

    /// <summary>The median of each phase over <paramref name="repeats"/> steps after one warm-up step.</summary>
    static StepPhases Phases(ClipModel model, AdamWOptimizer optimizer, ContrastiveStep step, TrainingBatch batch, ScalarType? compute, int repeats)
    {
        var times = new List<double[]>();
        for (int i = 0; i <= repeats; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            optimizer.ZeroGrad();
            double zero = clock.Elapsed.TotalSeconds;
            using (model.Precision.Use(compute)) step.Run(batch);
            double backward = clock.Elapsed.TotalSeconds;
            optimizer.Step();
            double end = clock.Elapsed.TotalSeconds;
            if (i > 0) times.Add([zero, backward - zero, end - backward]);
        }
        double Median(int phase) => times.Select(t => t[phase]).Order().ElementAt(times.Count / 2);
        return new StepPhases(Median(0), Median(1), Median(2));
    }

    /// <summary>The peer script's captions: random tokens (never the end token) with the end token at position 20.</summary>
    static Tensor PeerTokens(int n, int endOfText)
    {
        var ids = torch.randint(1, 49405, [n, 77], ScalarType.Int64);
        ids[.., TextPositions - 1] = endOfText;
        return ids;
    }
}
