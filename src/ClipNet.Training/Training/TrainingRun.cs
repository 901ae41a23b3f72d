using ClipNet.Checkpoints;
using ClipNet.Hub;
using ClipNet.Evaluation;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>What `clip train` did: the trainer's result, the final model folder, plots and the data problems met.</summary>
public sealed record TrainingRunResult(TrainingResult Training, string ModelDirectory, IReadOnlyList<string> Plots,
    int SkippedSamples, int TruncatedCaptions);

/// <summary>
/// `clip train`: opens the data, builds or loads the model, trains with per-epoch validation, then writes the
/// final model folder (OpenCLIP safetensors + config) and the charts.
/// </summary>
public static class TrainingRun
{
    public static TrainingRunResult Run(TrainingRunOptions options, IProgress<TrainingProgress>? progress = null, Action<string>? log = null)
    {
        log ??= _ => { };
        options.Validated();
        var prompts = options.PromptsFile is null ? null
            : PromptsFile.Read(options.PromptsFile, options.PromptsDataset
                ?? throw new ClipNetException("--prompts needs --dataset: which entry of the prompts file to use"));
        var dataOptions = prompts is null ? options.DataOptions : options.DataOptions with { Templates = prompts.Templates };
        var problems = new DataProblemLog { Warn = log, Strict = options.Strict };
        var dataset = DatasetFactory.Open(options.Data, dataOptions);
        problems.ReportOpened(dataset);
        CheckClasses(dataset, prompts, options.Data);
        IImageTextDataset? validationData = options.ValidationData is null ? null : DatasetFactory.Open(options.ValidationData, dataOptions);
        if (validationData is not null) problems.ReportOpened(validationData);
        if (validationData is null && options.HoldBackFraction > 0)
            (dataset, validationData) = DatasetSplit.HoldBack(dataset, options.HoldBackFraction, options.Training.Seed);

        var device = ComputeDevice.Parse(options.Device);
        torch.manual_seed(options.Training.Seed);
        var (model, tokenizer, preprocessor) = CreateModel(options, device, log);
        log($"Training on {dataset.Name}: {dataset.Count:N0} items; {ModelSummary.Describe(model).First(r => r.Field == "parameters").Value} parameters");

        var batches = new DatasetBatches(dataset, tokenizer, RandomResizedCropTransform.Matching(preprocessor), options.Training.BatchSize, options.Training.Seed)
        {
            Workers = options.Workers, Problems = problems,
        };
        var validation = validationData is null ? null : ValidationSet.Load(validationData, prompts, preprocessor, options.Workers);
        var clip = new Clip(model, tokenizer, preprocessor, options.OutputDirectory);
        var trainer = new Trainer(model, options.Training, batches, options.OutputDirectory)
        {
            Progress = progress,
            Log = log,
            EvaluateEpoch = validation is null ? null : (_, _) => validation.Evaluate(clip),
        };
        var result = trainer.Run(options.Resume);

        string modelDirectory = Path.Combine(options.OutputDirectory, "model");
        TrainingCheckpoint.WriteModel(modelDirectory, model);
        var plots = TrainingPlots.Write(result.MetricsPath, Path.Combine(options.OutputDirectory, "plots"));
        return new TrainingRunResult(result, modelDirectory, plots, problems.SkippedSamples.Count, problems.TruncatedCaptions.Count);
    }

    static (ClipModel, ClipTokenizer, ImagePreprocessor) CreateModel(TrainingRunOptions options, Device device, Action<string> log)
    {
        if (options.InitFrom is string checkpoint)
        {
            var location = ModelReference.Resolve(checkpoint);
            var named = options.Architecture is { } architecture ? ModelConfigs.Get(architecture) : null;
            var loaded = named is null
                ? ModelReference.Load(location, ScalarType.Float32, device)
                : ModelLoader.Load(location.Path, ScalarType.Float32, device, (named, new ImagePreprocessor(named.Vision.ImageSize)));
            foreach (string warning in loaded.Warnings) log($"warning: {warning}");
            return (loaded.Model, loaded.Tokenizer, loaded.Preprocessor);
        }
        var config = ModelConfigs.Get(options.Architecture ?? TrainingRunOptions.DefaultArchitecture);
        if (options.Training.Loss == LossKind.Sigmoid) config = config with { InitLogitBias = SigmoidLoss.InitialBias };
        var model = new ClipModel(config);
        if (options.Training.Loss == LossKind.Sigmoid)
        {
            using var _ = torch.no_grad();
            using var initial = SigmoidLoss.InitialLogScale.ToScalar();
            model.logit_scale.fill_(initial);
        }
        model.to(device);
        return (model, ClipTokenizer.Default, new ImagePreprocessor(config.Vision.ImageSize));
    }

    static void CheckClasses(IImageTextDataset dataset, ClassPrompts? prompts, string path)
    {
        if (prompts is null || dataset.ClassNames is null) return;
        if (!dataset.ClassNames.SequenceEqual(prompts.Classes))
            throw new ClipNetException($"{path}: the dataset's classes ({string.Join(", ", dataset.ClassNames.Take(10))}…) " +
                                       $"are not the prompts file's ({string.Join(", ", prompts.Classes.Take(10))}…)");
    }
}
