using ClipNet.Data;
using System.CommandLine;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip arithmetic --model M --image-a A --image-b B --labels hat,cup,cat [--templates FILE]`: what A has that B lacks.</summary>
public static class ArithmeticCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var imageA = new Option<string>("--image-a") { Description = "The image whose extra content is sought", Required = true };
        var imageB = new Option<string>("--image-b") { Description = "The image subtracted from it", Required = true };
        var labels = new Option<string>("--labels") { Description = "Comma-separated labels to score, e.g. \"hat,cup,cat\"", Required = true };
        var templates = new Option<string?>("--templates") { Description = "File of prompt templates with {} for the label: one per line, or a JSON array (default \"a photo of a {}.\")" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("arithmetic", "Score normalise(emb(A) − emb(B)) against label prompts: which concept separates image A from image B")
            { model, device, dtype, imageA, imageB, labels, templates, json };
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            var names = parse.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var prompts = parse.GetValue(templates) is string file ? PromptTemplates.ReadFile(file) : PromptTemplates.Default;
            var ranked = EmbeddingArithmetic.RankLabels(clip, parse.GetValue(imageA)!, parse.GetValue(imageB)!, names, prompts);
            if (parse.GetValue(json))
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(ranked.Select(s => new { label = s.Label, score = s.Score })));
            else
            {
                var table = new Table().AddColumns("rank", "label", "cosine");
                foreach (var (score, rank) in ranked.Select((s, i) => (s, i + 1)))
                    table.AddRow(rank.ToString(), Markup.Escape(score.Label), score.Score.ToString("F4"));
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }
}
