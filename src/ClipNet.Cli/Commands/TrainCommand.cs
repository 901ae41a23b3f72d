using System.CommandLine;
using ClipNet.Training;
using ClipNet.Data;

namespace ClipNet.Cli.Commands;

/// <summary>`clip train --data D --out RUN [--arch ViT-B-32 | --init CHECKPOINT] …`: contrastive training and fine-tuning.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var defaults = new TrainingOptions();
        var data = new Option<string>("--data") { Description = "Training data: manifest .tsv/.csv, image folder, WebDataset .tar shards, or a CIFAR-layout folder", Required = true };
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints, metrics.jsonl, plots/, model/", Required = true };
        var validation = new Option<string?>("--val-data") { Description = "Dataset evaluated after every epoch (zero-shot with --prompts, else recall@K)" };
        var holdBack = new Option<double>("--hold-back") { Description = "Without --val-data: validate on this seeded fraction of --data, kept out of training" };
        var prompts = new Option<string?>("--prompts") { Description = "Prompts file (prompts.json layout): templates for class captions and zero-shot" };
        var dataset = new Option<string?>("--dataset") { Description = "Entry of the prompts file, e.g. cifar10" };
        var architecture = new Option<string?>("--arch")
        {
            Description = $"Architecture, a built-in name or an OpenCLIP JSON file: to train from scratch (default {TrainingRunOptions.DefaultArchitecture}), " +
                          "or with --init, to read a checkpoint that does not say its own (an open_clip epoch_N.pt without its run's params.txt)",
        };
        var init = new Option<string?>("--init") { Description = "Checkpoint to fine-tune instead of training from scratch (any model `clip info` reads, open_clip's epoch_N.pt included)" };
        var imageColumn = new Option<string>("--image-column") { Description = "Manifest column with image paths", DefaultValueFactory = _ => "image" };
        var captionColumn = new Option<string>("--caption-column") { Description = "Manifest column with captions", DefaultValueFactory = _ => "caption" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => defaults.BatchSize };
        var microBatch = new Option<int>("--micro-batch") { Description = "Accumulate gradients over micro-batches of this size (full-batch contrastive loss)", DefaultValueFactory = _ => 0 };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => defaults.LearningRate };
        var weightDecay = new Option<double>("--wd") { DefaultValueFactory = _ => defaults.WeightDecay };
        var warmup = new Option<int>("--warmup") { Description = "Warmup steps", DefaultValueFactory = _ => defaults.WarmupSteps };
        var schedule = new Option<ScheduleKind>("--schedule") { DefaultValueFactory = _ => defaults.Schedule };
        var cooldown = new Option<int>("--cooldown") { Description = "Cooldown steps for const-cooldown", DefaultValueFactory = _ => 0 };
        var beta2 = new Option<double>("--beta2") { DefaultValueFactory = _ => defaults.Beta2 };
        var epsilon = new Option<double>("--eps") { DefaultValueFactory = _ => defaults.Epsilon };
        var clipGrad = new Option<double?>("--clip-grad") { Description = "Clip the global gradient norm" };
        var loss = new Option<LossKind>("--loss") { DefaultValueFactory = _ => LossKind.Contrastive };
        var towerLock = new Option<TowerLock>("--lock") { Description = "Freeze a tower while fine-tuning (Image = LiT)", DefaultValueFactory = _ => TowerLock.None };
        var precision = new Option<TrainingPrecision>("--precision")
        {
            Description = "float32, bfloat16 (matrix products in bf16, float32 master weights) or auto: the faster of the two, timed on the first batch",
            DefaultValueFactory = _ => TrainingPrecision.Auto,
        };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Checkpoint every N steps (always at the end)", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var strict = new Option<bool>("--strict") { Description = "Fail on unusable training data (missing files, empty captions, bad images) instead of skipping it" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint" };
        var workers = new Option<int>("--workers") { Description = "Image decoding threads (they compete with the model for cores)", DefaultValueFactory = _ => TrainingRunOptions.DefaultWorkers };
        var device = CommonOptions.Device();

        var command = new Command("train", "Train a CLIP model from scratch or fine-tune one")
        {
            data, output, validation, holdBack, prompts, dataset, architecture, init, imageColumn, captionColumn, epochs, batchSize, microBatch,
            learningRate, weightDecay, warmup, schedule, cooldown, beta2, epsilon, clipGrad, loss, towerLock, precision,
            checkpointEvery, seed, resume, strict, workers, device,
        };
        command.SetAction(parse =>
        {
            var options = new TrainingRunOptions
            {
                Data = parse.GetValue(data)!, OutputDirectory = parse.GetValue(output)!, ValidationData = parse.GetValue(validation), HoldBackFraction = parse.GetValue(holdBack),
                PromptsFile = parse.GetValue(prompts), PromptsDataset = parse.GetValue(dataset),
                Architecture = parse.GetValue(architecture), InitFrom = parse.GetValue(init),
                DataOptions = new DatasetOptions { ImageColumn = parse.GetValue(imageColumn)!, CaptionColumn = parse.GetValue(captionColumn)! },
                Resume = parse.GetValue(resume), Strict = parse.GetValue(strict), Workers = parse.GetValue(workers), Device = parse.GetValue(device)!,
                Training = new TrainingOptions
                {
                    Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize), MicroBatchSize = parse.GetValue(microBatch),
                    LearningRate = parse.GetValue(learningRate), WeightDecay = parse.GetValue(weightDecay), WarmupSteps = parse.GetValue(warmup),
                    Schedule = parse.GetValue(schedule), CooldownSteps = parse.GetValue(cooldown), Beta2 = parse.GetValue(beta2),
                    Epsilon = parse.GetValue(epsilon), GradientClipNorm = parse.GetValue(clipGrad), Loss = parse.GetValue(loss),
                    Lock = parse.GetValue(towerLock), Precision = parse.GetValue(precision),
                    CheckpointEvery = parse.GetValue(checkpointEvery), Seed = parse.GetValue(seed),
                },
            };
            var result = TrainingProgressDisplay.Run("training", progress => TrainingRun.Run(options, progress, Console.WriteLine));
            Console.WriteLine($"{result.Training.StepsTaken} steps; final loss {result.Training.LastLoss:F4}. Model: {result.ModelDirectory}; checkpoint: {result.Training.LastCheckpoint}");
            Console.WriteLine($"Charts: {string.Join(", ", result.Plots)}");
            if (result.SkippedSamples > 0 || result.TruncatedCaptions > 0)
                Console.WriteLine($"Data problems: {result.SkippedSamples} unreadable samples skipped, {result.TruncatedCaptions} captions truncated (see warnings above)");
            return 0;
        });
        return command;
    }
}
