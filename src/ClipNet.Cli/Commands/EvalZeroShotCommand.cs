using System.CommandLine;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>
/// `clip eval zero-shot --model M --data D --prompts FILE --dataset NAME [--features F] [--out DIR]`: zero-shot
/// accuracy with prompt-ensemble class vectors, a per-class table and a confusion-matrix figure.
/// </summary>
public static class EvalZeroShotCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var data = EvaluationOptions.Data();
        var features = new Option<string?>("--features") { Description = "Feature file from `clip features`; read if it exists, otherwise written from --data" };
        var prompts = new Option<string>("--prompts") { Description = "Prompts file: {\"dataset\": {\"classes\": [...], \"templates\": [...]}}", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "The dataset's entry in the prompts file, e.g. cifar10", Required = true };
        var output = EvaluationOptions.Output("evaluation");
        var limit = EvaluationOptions.Limit();
        var cache = new Option<string>("--cache-dir") { Description = "Where class-prompt text embeddings are cached", DefaultValueFactory = _ => TextEmbeddingCache.DefaultFolder };
        var noCache = new Option<bool>("--no-cache") { Description = "Encode the class prompts every time" };
        var command = new Command("zero-shot", "Zero-shot classification accuracy (top-1, top-5, per class, confusion matrix) with a prompt ensemble")
            { model, device, dtype, data, features, prompts, dataset, output, limit, cache, noCache };
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            var request = new ZeroShotRequest(
                EvaluationOptions.Images(parse.GetValue(data), parse.GetValue(features), parse.GetValue(limit)),
                parse.GetValue(prompts)!, parse.GetValue(dataset)!, parse.GetValue(output)!,
                parse.GetValue(noCache) ? null : parse.GetValue(cache));
            var result = EmbeddingProgressDisplay.Run("embedding images", progress => ZeroShotEvaluation.Run(clip, request, progress));
            Print(result);
            return 0;
        });
        return command;
    }

    static void Print(ZeroShotEvaluationResult result)
    {
        var classification = result.Classification;
        var summary = new Table().AddColumns("metric", "value").HideHeaders();
        summary.AddRow("images", classification.SampleCount.ToString());
        foreach (var (k, accuracy) in classification.TopKAccuracy.OrderBy(p => p.Key)) summary.AddRow($"top-{k} accuracy", $"{accuracy:P2}");
        summary.AddRow("mean per-class accuracy", $"{classification.MeanPerClassAccuracy:P2}");
        summary.AddRow("class text embeddings", result.TextEmbeddingsFromCache ? "from cache" : "encoded");
        AnsiConsole.Write(summary);
        EvaluationOptions.PrintReport(result.Report!);
    }
}
