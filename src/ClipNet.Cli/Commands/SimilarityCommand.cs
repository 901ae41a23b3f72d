using System.CommandLine;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip similarity --model M --image A --image B … --text T1 --text T2 … [--out PNG]`: the images × texts cosine matrix.</summary>
public static class SimilarityCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var images = new Option<string[]>("--image") { Description = "Image file (repeatable)", Required = true };
        var texts = new Option<string[]>("--text") { Description = "Text (repeatable)", Required = true };
        var output = new Option<string?>("--out") { Description = "Also draw the matrix as a heatmap PNG here" };
        var command = new Command("similarity", "Print the cosine similarity of every image with every text, optionally as a heatmap")
            { model, device, dtype, images, texts, output };
        CommonOptions.OutputMustNotBeAnInput(command, output, model, images);
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            string[] paths = parse.GetValue(images)!, captions = parse.GetValue(texts)!;
            var similarity = SimilarityMatrix.Compute(clip, paths, captions);
            var table = new Table().AddColumn("image \\ text");
            foreach (var text in captions) table.AddColumn(Markup.Escape(text));
            for (int i = 0; i < paths.Length; i++)
                table.AddRow([Markup.Escape(Path.GetFileName(paths[i])), .. Enumerable.Range(0, captions.Length).Select(j => similarity[i, j].ToString("F4"))]);
            AnsiConsole.Write(table);
            if (parse.GetValue(output) is string png)
                Console.WriteLine($"wrote {EvaluationCharts.Similarity(similarity, [.. paths.Select(p => Path.GetFileName(p))], captions, png)}");
            return 0;
        });
        return command;
    }
}
