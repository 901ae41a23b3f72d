using System.Text.Json.Nodes;
using ClipNet.Data;
using ClipNet.Training;
using TorchSharp;
using Xunit;

namespace ClipNet.Tests.Training;

/// <summary>`--precision auto`: the faster of two measured rates is chosen, the choice is recorded, and it survives a resume.</summary>
public class PrecisionChoiceTests : IDisposable
{
    readonly string runs = Directory.CreateTempSubdirectory("clipnet-precision-").FullName;

    public void Dispose() => Directory.Delete(runs, recursive: true);

    [Theory]
    [InlineData(10.0, 12.5, TrainingPrecision.BFloat16)]
    [InlineData(12.5, 10.0, TrainingPrecision.Float32)]
    [InlineData(0.8, 0.2, TrainingPrecision.Float32)]
    [InlineData(2.5, 9.7, TrainingPrecision.BFloat16)]
    [InlineData(7.0, 7.0, TrainingPrecision.Float32)]
    public void TheFasterRateIsChosenAndATieKeepsFloat32(double float32, double bf16, TrainingPrecision expected)
    {
        Assert.Equal(expected, PrecisionChoice.Faster(float32, bf16));
        Assert.Equal(expected, new PrecisionMeasurement(float32, bf16).Chosen);
    }

    [Fact]
    public void MeasuringLeavesTheModelAsItWas()
    {
        var model = TinyModels.Create(11);
        model.train();
        var (pixels, ids) = TinyModels.RandomPairs(8, seed: 12);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var measured = PrecisionChoice.Measure(model, new ContrastiveStep(model, LossKind.Contrastive, TowerLock.None, 0), new TrainingBatch(pixels, ids));

        Assert.True(measured.Float32SamplesPerSecond > 0 && measured.BFloat16SamplesPerSecond > 0, measured.Describe());
        foreach (var (name, tensor) in model.state_dict())
            Assert.True((tensor == before[name]).all().item<bool>(), $"{name} changed while measuring");
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.count_nonzero().item<long>() == 0, "a gradient was left behind"));
        Assert.Null(model.Precision.ComputeType);
    }

    [Fact]
    public void AutoRecordsItsChoiceInMetricsLogAndCheckpointAndKeepsItOnResume()
    {
        var (pixels, ids) = TinyModels.RandomPairs(24, seed: 13);
        var data = new InMemoryTrainingBatches(pixels, ids, 8, seed: 7);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 2, Seed = 7, Precision = TrainingPrecision.Auto };
        string run = Path.Combine(runs, "auto");
        var messages = new List<string>();
        new Trainer(TinyModels.Create(14), options with { StopAfterSteps = 2 }, data, run) { Log = messages.Add }.Run();

        var records = MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).ToList();
        var choice = Assert.Single(records, r => r["loss"] is null);
        double float32 = (double)choice["float32_samples_per_s"]!, bf16 = (double)choice["bfloat16_samples_per_s"]!;
        string chosen = PrecisionChoice.Name(PrecisionChoice.Faster(float32, bf16));
        Assert.Equal(chosen, (string)choice["precision"]!);
        Assert.All(records.Where(r => r["loss"] is not null), r => Assert.Equal(chosen, (string)r["precision"]!));
        Assert.Contains(messages, m => m.Contains($"Precision: {chosen}") && m.Contains("samples/s in float32"));
        string state = File.ReadAllText(Path.Combine(TrainingCheckpoint.Latest(run)!, "trainer_state.json"));
        Assert.Equal(chosen, (string)JsonNode.Parse(state)!["precision"]!);

        messages.Clear();
        var result = new Trainer(TinyModels.Create(15), options, data, run) { Log = messages.Add }.Run(resume: true);
        Assert.Equal($"Precision: {chosen}, as chosen when this run started", Assert.Single(messages));
        records = MetricsLog.Read(result.MetricsPath).ToList();
        Assert.Single(records, r => r["loss"] is null);   // measured once, at the start; not again on resume
        Assert.Equal(6, records.Count(r => r["loss"] is not null));
        Assert.All(records.Where(r => r["loss"] is not null), r => Assert.Equal(chosen, (string)r["precision"]!));
    }
}
