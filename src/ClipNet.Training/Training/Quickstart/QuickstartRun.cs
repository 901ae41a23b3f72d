using System.Diagnostics;
using ClipNet.Data;
using ClipNet.Evaluation;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// `clip quickstart`: trains a small ViT CLIP from scratch on generated scenes with captions, then measures
/// zero-shot accuracy on colour–shape pairs that never occurred in training (does the model compose "green"
/// and "circle" having only seen green squares and red circles?), and writes a report folder.
/// </summary>
public static class QuickstartRun
{
    public static QuickstartResult Run(QuickstartOptions options, IProgress<TrainingProgress>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        // Checked before minutes of scene generation, not when the trainer starts.
        new TrainingOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate }.Validated();
        if (options.TrainingScenes < options.BatchSize)
            throw new ClipNetException($"--scenes must be at least the batch size {options.BatchSize}, got {options.TrainingScenes}");
        var clock = Stopwatch.StartNew();
        torch.manual_seed(options.Seed);
        var config = ModelConfigs.Get(options.Architecture);
        int size = config.Vision.ImageSize;
        var scenes = new SyntheticScenes(new SyntheticSceneOptions(ImageSize: size, Seed: options.Seed, TwoShapeFraction: options.TwoShapeFraction));
        var preprocessor = new ImagePreprocessor(size);
        var tokenizer = ClipTokenizer.Default;

        log($"Generating {options.TrainingScenes:N0} captioned scenes at {size}×{size} px");
        var samples = new SceneSample[options.TrainingScenes];
        Parallel.For(0, samples.Length, i => samples[i] = scenes.TrainingSample(i));
        var pixels = Pixels(samples, preprocessor);
        var tokenIds = tokenizer.TokenizeBatch(samples.Select(s => s.Caption).ToList(), config.Text.ContextLength);
        var heldOut = scenes.HeldOutEvaluationSet(options.EvaluationImages);
        var seen = scenes.SeenEvaluationSet(options.EvaluationImages);
        var heldOutPixels = Pixels(heldOut.Samples, preprocessor);
        var seenPixels = Pixels(seen.Samples, preprocessor);

        var model = new ClipModel(config);
        var clip = new Clip(model, tokenizer, preprocessor, "quickstart");
        log($"Training {ModelSummary.Describe(model).First(r => r.Field == "parameters").Value} parameters for {options.Epochs} epochs");

        string runDirectory = Path.Combine(options.OutputDirectory, "run");
        if (Directory.Exists(runDirectory)) Directory.Delete(runDirectory, recursive: true);
        var data = new InMemoryTrainingBatches(pixels, tokenIds, options.BatchSize, options.Seed);
        var trainingOptions = new TrainingOptions
        {
            Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
            WarmupSteps = Math.Max(1, data.BatchesPerEpoch / 2), WeightDecay = 0.1, Seed = options.Seed, Precision = options.Precision,
        };
        double untrained = double.NaN;
        var latest = new Dictionary<string, double>();
        var trainer = new Trainer(model, trainingOptions, data, runDirectory)
        {
            Progress = progress,
            Log = log,
            EvaluateEpoch = (_, epoch) =>
            {
                var accuracy = new Dictionary<string, double>
                {
                    ["zero_shot_held_out"] = Accuracy(clip, heldOut, heldOutPixels),
                    ["zero_shot_seen"] = Accuracy(clip, seen, seenPixels),
                };
                if (epoch < 0)   // the trainer's evaluation of the untrained model
                {
                    untrained = accuracy["zero_shot_held_out"];
                    log($"Zero-shot accuracy on held-out pairs before training: {untrained:P1} (chance {heldOut.ChanceAccuracy:P1})");
                }
                latest = accuracy;   // after the last epoch: the final model's accuracy
                return accuracy;
            },
        };
        var training = trainer.Run();
        model.eval();

        string modelDirectory = Path.Combine(options.OutputDirectory, "model");
        TrainingCheckpoint.WriteModel(modelDirectory, model);
        string scenesDirectory = Path.Combine(options.OutputDirectory, "scenes");
        WriteScenes(heldOut.Samples, scenesDirectory);
        var result = new QuickstartResult(
            latest["zero_shot_held_out"], latest["zero_shot_seen"], heldOut.ChanceAccuracy, untrained,
            training.StepsTaken, clock.Elapsed, Path.Combine(options.OutputDirectory, "report"), modelDirectory, scenesDirectory);
        QuickstartReport.Write(result, clip, heldOut, heldOutPixels, training.MetricsPath);
        return result;
    }

    /// <summary>
    /// The held-out scenes as PNG files named by their captions (<c>0042-a-small-green-circle.png</c>), a photo
    /// folder to try `clip index` and `clip serve` on with the model just trained.
    /// </summary>
    static void WriteScenes(IReadOnlyList<SceneSample> samples, string directory)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        Parallel.For(0, samples.Count, i =>
        {
            string caption = string.Join('-', samples[i].Caption.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            ScenePng.Save(samples[i], Path.Combine(directory, $"{i:D4}-{caption}.png"));
        });
    }

    static double Accuracy(Clip clip, ZeroShotEvaluationSet set, Tensor pixels)
    {
        using var classifier = ZeroShotPrompts.Classifier(clip, set.ClassNames, set.Templates);
        using var features = clip.EncodePixels(pixels);
        return classifier.Evaluate(features, set.Labels.Select(l => (long)l).ToList()).Top1;
    }

    /// <summary>Scenes are drawn at the model's size, so only the reference normalisation remains to do.</summary>
    internal static Tensor Pixels(IReadOnlyList<SceneSample> samples, ImagePreprocessor preprocessor)
    {
        int size = preprocessor.Size;
        var mean = preprocessor.Mean.ToArray();
        var std = preprocessor.Std.ToArray();
        return PixelBatch.Build(samples.Count, size,
            (i, plane) => PixelNormalization.Normalize(samples[i].Rgb, size, size, mean, std, plane));
    }
}

/// <summary>Settings of `clip quickstart`. The defaults finish in about five minutes on two CPU cores.</summary>
public sealed record QuickstartOptions
{
    public string OutputDirectory { get; init; } = "quickstart-run";
    /// <summary>The architecture, from the built-in configs: a small ViT on 32-pixel images.</summary>
    public string Architecture { get; init; } = "quickstart-ViT-32px";
    public int TrainingScenes { get; init; } = 11_000;
    public int Epochs { get; init; } = 7;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Auto: float32 or bf16 mixed, whichever trains faster on this machine (measured at the start).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;
    public int EvaluationImages { get; init; } = 600;
    public int Seed { get; init; }
    /// <summary>Share of scenes with two shapes; single shapes tie words to shapes faster, pairs teach relations.</summary>
    public double TwoShapeFraction { get; init; } = 0.3;
}

/// <summary>
/// Zero-shot top-1 accuracy on colour–shape pairs never seen in training, on seen pairs, and chance; where the
/// report, the trained model and the held-out scenes (as PNG files) were written.
/// </summary>
public sealed record QuickstartResult(double HeldOutAccuracy, double SeenAccuracy, double ChanceAccuracy,
    double UntrainedHeldOutAccuracy, int Steps, TimeSpan Duration, string ReportDirectory, string ModelDirectory, string ScenesDirectory);
