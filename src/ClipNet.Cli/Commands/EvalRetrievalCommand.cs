using System.CommandLine;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip eval retrieval --model M --data D [--features F] [--out DIR]`: image→text and text→image recall@1/5/10.</summary>
public static class EvalRetrievalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var data = EvaluationOptions.Data();
        var features = new Option<string?>("--features") { Description = "Feature file from `clip features`; read if it exists, otherwise written from --data" };
        var output = EvaluationOptions.Output("evaluation");
        var limit = EvaluationOptions.Limit();
        var command = new Command("retrieval", "Image–text retrieval recall@1/5/10 in both directions over a captioned dataset")
            { model, device, dtype, data, features, output, limit };
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            var images = EvaluationOptions.Images(parse.GetValue(data), parse.GetValue(features), parse.GetValue(limit));
            var (result, report) = EmbeddingProgressDisplay.Run("embedding images", progress => RetrievalEvaluation.Run(clip, images, parse.GetValue(output)!, progress));
            var table = new Table().AddColumns("K", "image → text", "text → image");
            foreach (var k in result.ImageToTextRecall.Keys.Order())
                table.AddRow(k.ToString(), $"{result.ImageToTextRecall[k]:P2}", $"{result.TextToImageRecall[k]:P2}");
            AnsiConsole.Write(table.Caption($"recall@K: {result.ImageCount} images, {result.TextCount} captions"));
            EvaluationOptions.PrintReport(report);
            return 0;
        });
        return command;
    }
}
