using System.CommandLine;
using ClipNet.Search;
using ClipNet.Training;

namespace ClipNet.Cli.Commands;

/// <summary>`clip quickstart`: train a small CLIP from scratch on generated scenes and report zero-shot accuracy.</summary>
public static class QuickstartCommand
{
    public static Command Create()
    {
        var defaults = new QuickstartOptions();
        var output = new Option<string>("--out") { Description = "Output folder", DefaultValueFactory = _ => defaults.OutputDirectory };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => defaults.Epochs };
        var scenes = new Option<int>("--scenes") { Description = "Generated training scenes", DefaultValueFactory = _ => defaults.TrainingScenes };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => defaults.Seed };
        var architecture = new Option<string>("--arch") { Description = "Built-in architecture to train", DefaultValueFactory = _ => defaults.Architecture };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var precision = new Option<TrainingPrecision>("--precision") { Description = "float32, bfloat16 or auto (the faster, timed at the start)", DefaultValueFactory = _ => defaults.Precision };
        var evaluationImages = new Option<int>("--eval-images") { Description = "Held-out (and seen) scenes generated for evaluation and search", DefaultValueFactory = _ => defaults.EvaluationImages };
        var command = new Command("quickstart", "Train a small CLIP from scratch on generated captioned scenes (no download) and report zero-shot accuracy on unseen colour–shape pairs")
            { output, epochs, scenes, seed, architecture, learningRate, precision, evaluationImages };
        command.SetAction(parse =>
        {
            var options = defaults with
            {
                OutputDirectory = parse.GetValue(output)!, Epochs = parse.GetValue(epochs),
                TrainingScenes = parse.GetValue(scenes), Seed = parse.GetValue(seed),
                Architecture = parse.GetValue(architecture)!, LearningRate = parse.GetValue(learningRate),
                EvaluationImages = parse.GetValue(evaluationImages), Precision = parse.GetValue(precision),
            };
            var result = TrainingProgressDisplay.Run("training", progress => QuickstartRun.Run(options, progress, Console.WriteLine));
            Console.WriteLine();
            Console.WriteLine($"Zero-shot top-1 on colour–shape pairs never seen in training: {result.HeldOutAccuracy:P1} " +
                              $"(untrained {result.UntrainedHeldOutAccuracy:P1}, chance {result.ChanceAccuracy:P1}); on seen pairs: {result.SeenAccuracy:P1}");
            Console.WriteLine($"{result.Steps} steps in {result.Duration:mm\\:ss}. Report: {Path.Combine(result.ReportDirectory, "index.html")}; model: {result.ModelDirectory}");

            // The held-out scenes become a photo folder to search in a browser with the model just trained.
            string indexPath = Path.Combine(options.OutputDirectory, "scenes.clipindex");
            using (var clip = Clip.Load(Path.GetFullPath(result.ModelDirectory)))
            using (var index = PhotoIndex.Create(indexPath, clip, rebuild: true))
            {
                var indexed = index.Update(new IndexUpdateRequest([result.ScenesDirectory]));
                Console.WriteLine($"Indexed {indexed.New:N0} held-out scenes in {result.ScenesDirectory}. Search them in your browser:");
            }
            Console.WriteLine($"  clip serve --index {indexPath}");
            return 0;
        });
        return command;
    }
}
