using ClipNet.Training;
using ClipNet.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Training;

public class TrainerTests : IDisposable
{
    readonly string runs = Directory.CreateTempSubdirectory("clipnet-trainer-").FullName;

    public void Dispose() => Directory.Delete(runs, recursive: true);

    static TrainingOptions Options(int epochs) => new()
    {
        Epochs = epochs, BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 2, WeightDecay = 0.1, Seed = 7,
    };

    [Fact]
    public void LossFallsOnATinySet()
    {
        var model = TinyModels.Create(1);
        var (pixels, ids) = TinyModels.RandomPairs(16, seed: 2);
        var trainer = new Trainer(model, Options(15), new InMemoryTrainingBatches(pixels, ids, 8, seed: 7), Path.Combine(runs, "a"));
        var result = trainer.Run();
        var losses = MetricsLog.Read(result.MetricsPath).Select(r => (double)r["loss"]!).ToList();
        Assert.Equal(30, losses.Count);
        Assert.True(losses.TakeLast(3).Average() < 0.4 * losses.Take(3).Average(),
            $"loss went from {losses.Take(3).Average():F3} to {losses.TakeLast(3).Average():F3}");
    }

    [Fact]
    public void PausedAndResumedRunGivesBitIdenticalWeights()
    {
        var (pixels, ids) = TinyModels.RandomPairs(24, seed: 3);
        var data = new InMemoryTrainingBatches(pixels, ids, 8, seed: 7);   // 3 batches per epoch

        var straight = TinyModels.Create(4);
        new Trainer(straight, Options(2), data, Path.Combine(runs, "straight")).Run();

        var paused = TinyModels.Create(4);
        // Stop in the middle of the first epoch; a fresh model and optimizer then resume from the checkpoint.
        new Trainer(paused, Options(2) with { StopAfterSteps = 2 }, data, Path.Combine(runs, "paused")).Run();
        var resumed = TinyModels.Create(99);
        var result = new Trainer(resumed, Options(2), data, Path.Combine(runs, "paused")).Run(resume: true);

        Assert.Equal(4, result.StepsTaken);
        var expected = straight.state_dict();
        foreach (var (name, tensor) in resumed.state_dict())
            Assert.True(tensor.dtype == expected[name].dtype && (tensor == expected[name]).all().item<bool>(), $"{name} differs after resume");
        var steps = MetricsLog.Read(result.MetricsPath).Select(r => (int)r["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 6), steps);
    }

    [Fact]
    public void OptimizerStateIsSavedAsNamedMomentsAndBadStateIsRefusedClearly()
    {
        var (pixels, ids) = TinyModels.RandomPairs(16, seed: 5);
        var data = new InMemoryTrainingBatches(pixels, ids, 8, 7);
        var model = TinyModels.Create(6);
        string checkpoint = new Trainer(model, Options(1), data, runs).Run().LastCheckpoint!;
        string state = Path.Combine(checkpoint, "optimizer.safetensors");

        using (var file = ClipNet.SafeTensors.SafeTensorsFile.Open(state))
        {
            // Two steps taken; one moment pair and a step count per trainable parameter, shaped like it.
            using var steps = file.Load("visual.conv1.weight.step");
            Assert.Equal(2, steps.item<long>());
            using var moment = file.Load("visual.conv1.weight.exp_avg_sq");
            Assert.Equal(model.visual.get_parameter("conv1.weight")!.shape, moment.shape);
            Assert.True(moment.abs().sum().item<float>() > 0);
        }

        // A checkpoint of an earlier version, whose optimizer state was TorchSharp's binary format.
        File.Move(state, Path.Combine(checkpoint, "optimizer.bin"));
        var earlier = Assert.Throws<ClipNetException>(() => new Trainer(TinyModels.Create(6), Options(2), data, runs).Run(resume: true));
        Assert.Contains("optimizer.bin", earlier.Message);
        Assert.Contains("--init", earlier.Message);

        // State for a different model: the first missing tensor is named.
        var tensors = new Dictionary<string, Tensor> { ["logit_scale.step"] = torch.tensor(2L) };
        ClipNet.SafeTensors.SafeTensorsWriter.Write(state, tensors, new Dictionary<string, string>());
        var mismatched = Assert.Throws<ClipNetException>(() => new Trainer(TinyModels.Create(6), Options(2), data, runs).Run(resume: true));
        Assert.Contains("optimizer.safetensors", mismatched.Message);
        Assert.Contains("no optimizer state for", mismatched.Message);
    }

    [Fact]
    public void CheckpointsAreWrittenEveryNStepsAndLoadAsModels()
    {
        var (pixels, ids) = TinyModels.RandomPairs(16, seed: 5);
        var model = TinyModels.Create(6);
        var trainer = new Trainer(model, Options(2) with { CheckpointEvery = 2 }, new InMemoryTrainingBatches(pixels, ids, 8, 7), runs);
        var result = trainer.Run();
        var folders = Directory.GetDirectories(Path.Combine(runs, "checkpoints")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["step-0000002", "step-0000004"], folders);
        Assert.Equal(TrainingCheckpoint.Latest(runs), result.LastCheckpoint);
        Assert.Empty(Directory.GetFileSystemEntries(runs, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void TemperatureIsClampedAtLn100()
    {
        var model = TinyModels.Create(8);
        using (torch.no_grad()) model.logit_scale.fill_(Math.Log(100) - 1e-4);
        var (pixels, ids) = TinyModels.RandomPairs(16, seed: 9);
        new Trainer(model, Options(3) with { LearningRate = 0.5, WarmupSteps = 0 }, new InMemoryTrainingBatches(pixels, ids, 8, 7), runs).Run();
        Assert.True(model.logit_scale.item<float>() <= Math.Log(100) + 1e-6);
    }
}
