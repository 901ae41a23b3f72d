using System.Diagnostics;
using ClipNet.Data;
using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// What <see cref="TrainingPrecision.Auto"/> measured and chose: samples per second of the forward and backward
/// pass in each precision, on the run's own model and first batch.
/// </summary>
public sealed record PrecisionMeasurement(double Float32SamplesPerSecond, double BFloat16SamplesPerSecond)
{
    public TrainingPrecision Chosen => PrecisionChoice.Faster(Float32SamplesPerSecond, BFloat16SamplesPerSecond);

    public string Describe() =>
        $"Precision: {PrecisionChoice.Name(Chosen)}, the faster here (measured {Float32SamplesPerSecond:F1} samples/s in float32, " +
        $"{BFloat16SamplesPerSecond:F1} in bf16 mixed)";
}

/// <summary>
/// Chooses the training precision by measuring, not by assumption: whether bf16 matrix products pay depends on the
/// CPU (bf16 units or none) and on the model's size (a tiny model spends its time in the casts, a ViT-B/32 in the
/// products; BENCHMARKS.md has both). A few forward and backward passes in each precision cost seconds at the
/// start of a run that takes minutes or hours.
/// </summary>
public static class PrecisionChoice
{
    /// <summary>The precision of the higher rate; float32 on a tie, as the exact one.</summary>
    public static TrainingPrecision Faster(double float32SamplesPerSecond, double bf16SamplesPerSecond) =>
        bf16SamplesPerSecond > float32SamplesPerSecond ? TrainingPrecision.BFloat16 : TrainingPrecision.Float32;

    /// <summary>How metrics, checkpoints and the console spell a precision.</summary>
    public static string Name(TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Float32 => "float32",
        TrainingPrecision.BFloat16 => "bfloat16",
        _ => "auto",
    };

    public static TrainingPrecision Parse(string name, string source) => name switch
    {
        "float32" => TrainingPrecision.Float32,
        "bfloat16" => TrainingPrecision.BFloat16,
        _ => throw new ClipNetException($"{source}: unknown training precision \"{name}\" (float32 or bfloat16)"),
    };

    /// <summary>The compute type a step runs its matrix products in: null for float32.</summary>
    public static ScalarType? ComputeType(TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Float32 => null,
        TrainingPrecision.BFloat16 => ScalarType.BFloat16,
        _ => throw new InvalidOperationException("resolve TrainingPrecision.Auto with PrecisionChoice.Measure before training"),
    };

    /// <summary>
    /// Times <paramref name="step"/> on <paramref name="batch"/> in both precisions: one warm-up pass each (the first
    /// pass of a shape allocates), then <paramref name="rounds"/> alternating passes, keeping each precision's fastest
    /// (a busy machine only ever slows a pass down). AdamW is left out: it is the same float32 work in both. The model
    /// is left as it was: the gradients are dropped and buffers (BatchNorm statistics) restored.
    /// </summary>
    public static PrecisionMeasurement Measure(ClipModel model, ContrastiveStep step, TrainingBatch batch, int rounds = 2)
    {
        var buffers = model.buffers().Select(b => b.detach().clone()).ToList();
        var best = new Dictionary<TrainingPrecision, double> { [TrainingPrecision.Float32] = double.MaxValue, [TrainingPrecision.BFloat16] = double.MaxValue };
        try
        {
            for (int round = 0; round <= rounds; round++)
                foreach (var precision in best.Keys.ToList())
                {
                    using var scope = NewDisposeScope();
                    var clock = Stopwatch.StartNew();
                    using (model.Precision.Use(ComputeType(precision))) step.Run(batch);
                    if (round > 0) best[precision] = Math.Min(best[precision], clock.Elapsed.TotalSeconds);
                }
        }
        finally
        {
            using var _ = torch.no_grad();
            foreach (var p in model.parameters()) p.grad = null;
            foreach (var (buffer, saved) in model.buffers().Zip(buffers)) { buffer.copy_(saved); saved.Dispose(); }
        }
        return new PrecisionMeasurement(batch.Count / best[TrainingPrecision.Float32], batch.Count / best[TrainingPrecision.BFloat16]);
    }
}
