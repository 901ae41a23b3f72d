using ClipNet.Checkpoints;
using ClipNet.Model;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using ClipNet.Tests.Evaluation;
using ClipNet.Training;
using Xunit;
using static ClipNet.Tests.Cli.EvaluationCliTests;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// `clip train --init epoch_N.pt`: an open_clip DDP training checkpoint (no config beside it, as open_clip_train
/// leaves it) starts a ClipNet fine-tuning run, its architecture named by `--arch`, by the run's params.txt, or —
/// when neither says it and the shapes cannot — refused with one error naming the checkpoint.
/// </summary>
public class TrainFromOpenClipCheckpointTests
{
    /// <summary>The fixture's architecture as a user's open_clip model_configs JSON (a bare model config).</summary>
    static string ArchitectureFile(TempFolder folder)
    {
        string path = folder.File("vit-tiny.json");
        File.Copy(SharedFixtures.Fixture("models", "vit", "open_clip_config.json"), path);
        return path;
    }

    static TrainingRunOptions FineTune(string checkpoint, string output, double learningRate, string? architecture) => new()
    {
        Data = EvaluationData.Photos, OutputDirectory = output, InitFrom = checkpoint, Architecture = architecture, Workers = 1,
        Training = new TrainingOptions { Epochs = 1, BatchSize = 8, LearningRate = learningRate, WarmupSteps = 0, Seed = 3 },
    };

    /// <summary>The largest absolute difference between each parameter of the trained model and the fixture's.</summary>
    static Dictionary<string, float> Movement(string modelDirectory)
    {
        using var trained = Clip.Load(modelDirectory);
        using var original = EvaluationData.LoadVit();
        var start = original.Model.state_dict();
        return trained.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.sub(start[p.name]).abs().max().item<float>());
    }

    [Fact]
    public void FineTuningStartsFromTheEpochCheckpointsWeightsAndMovesThem()
    {
        using var folder = new TempFolder();
        string checkpoint = OpenClipCheckpointTests.WriteEpochCheckpoint(folder, configBeside: false);
        string architecture = ArchitectureFile(folder);

        // A step too small to change any float32 weight: what the run trained is what it loaded, the file's weights.
        var still = TrainingRun.Run(FineTune(checkpoint, folder.File("still"), 1e-30, architecture));
        Assert.Equal(2, still.Training.StepsTaken);
        Assert.All(Movement(still.ModelDirectory), p => Assert.True(p.Value <= 1e-20, $"{p.Key} moved by {p.Value} with a learning rate of 1e-30"));

        var moved = TrainingRun.Run(FineTune(checkpoint, folder.File("moved"), 1e-3, architecture));
        Assert.Equal(2, moved.Training.StepsTaken);
        Assert.True(double.IsFinite(moved.Training.LastLoss));
        Assert.All(Movement(moved.ModelDirectory), p => Assert.True(p.Value > 1e-5, $"{p.Key} did not move ({p.Value})"));
        using var reloaded = Clip.Load(moved.ModelDirectory);
        Assert.True(reloaded.Model.Config.QuickGelu);   // the architecture named by --arch, written with the model
    }

    [Fact]
    public void ParamsTxtNamesTheArchitectureAndWithoutAnyTheErrorNamesTheCheckpoint()
    {
        using var folder = new TempFolder();
        string checkpoint = OpenClipCheckpointTests.WriteEpochCheckpoint(folder, configBeside: false);

        // No config, no params.txt, and shapes of no built-in architecture: the head counts cannot be known.
        var unknown = Assert.Throws<ClipNetException>(() => TrainingRun.Run(FineTune(checkpoint, folder.File("run"), 1e-3, null)));
        Assert.StartsWith(checkpoint, unknown.Message);
        Assert.Contains("head counts cannot be known", unknown.Message);
        Assert.Contains("--arch", unknown.Message);

        // open_clip_train's params.txt, one folder above checkpoints/: "name: value" lines sorted by name.
        string paramsFile = folder.File("params.txt");
        void Params(string model, string quickGelu) => File.WriteAllLines(paramsFile,
            ["accum_freq: 1", "batch_size: 256", "epochs: 10", $"force_quick_gelu: {quickGelu}", "lr: 0.0005", $"model: {model}",
             "name: clipnet-continued", "precision: amp", "pretrained: runs/mine/model/open_clip_model.safetensors", "wd: 0.2"]);
        Params("my-tiny-vit", "False");
        var custom = Assert.Throws<ClipNetException>(() => TrainingRun.Run(FineTune(checkpoint, folder.File("run"), 1e-3, null)));
        Assert.StartsWith(paramsFile, custom.Message);
        Assert.Contains("'my-tiny-vit', which is not a built-in architecture", custom.Message);
        Assert.Contains("--arch my-tiny-vit.json", custom.Message);

        // A built-in name is taken, and checked against the weights before anything of its size is built.
        Params("ViT-B-32", "False");
        var mismatch = Assert.Throws<ClipNetException>(() => Clip.Load(checkpoint));
        Assert.StartsWith($"{paramsFile} does not describe the weights in {checkpoint}", mismatch.Message);
        Assert.Equal(ModelConfigs.All["ViT-B-32"], OpenClipTrainingLog.Architecture(paramsFile));
        Params("ViT-B-32", "True");
        Assert.Equal(ModelConfigs.All["ViT-B-32"] with { QuickGelu = true }, OpenClipTrainingLog.Architecture(paramsFile));
        Assert.False(ModelConfigs.All["ViT-B-32"].QuickGelu);

        // --arch wins over params.txt.
        var named = TrainingRun.Run(FineTune(checkpoint, folder.File("named"), 1e-3, ArchitectureFile(folder)) with
        {
            Training = new TrainingOptions { Epochs = 1, BatchSize = 8, StopAfterSteps = 1, WarmupSteps = 0 },
        });
        Assert.Equal(1, named.Training.StepsTaken);
    }

    [Fact]
    public void CliFineTunesFromTheEpochCheckpointAndRefusesItWithoutAnArchitectureInOneLine()
    {
        using var folder = new TempFolder();
        string checkpoint = OpenClipCheckpointTests.WriteEpochCheckpoint(folder, configBeside: false);
        string[] Train(string output, params string[] extra) =>
            ["train", "--data", EvaluationData.Photos, "--init", checkpoint, "--out", folder.File(output), "--epochs", "1", "--batch-size", "8", .. extra];

        AssertCleanFailure(ClipProcess.Run(Train("refused")), checkpoint, "head counts cannot be known");
        var run = ClipProcess.Run(Train("run", "--arch", ArchitectureFile(folder)));
        AssertSuccess(run);
        Assert.Contains("2 steps", run.Output);
        Assert.True(File.Exists(Path.Combine(folder.Path, "run", "model", "open_clip_model.safetensors")));
    }
}
