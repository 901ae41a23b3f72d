using ClipNet.Data;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip classify --model M --image P --labels "cat,dog" [--templates FILE] [--json]`: zero-shot probabilities.</summary>
public static class ClassifyCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var images = new Option<string[]>("--image") { Description = "Image file (repeatable)", Required = true };
        var labels = new Option<string>("--labels") { Description = "Comma-separated class names, e.g. \"cat,dog,boat\"", Required = true };
        var templates = new Option<string?>("--templates") { Description = "File of prompt templates with {} for the class name: one per line, or a JSON array" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("classify", "Zero-shot classification of images into the given labels") { model, device, dtype, images, labels, templates, json };
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            var classNames = parse.GetValue(labels)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var prompts = parse.GetValue(templates) is string file ? PromptTemplates.ReadFile(file) : PromptTemplates.Default;
            var paths = parse.GetValue(images)!;
            var probabilities = ZeroShotPrompts.Probabilities(clip, paths, classNames, prompts);
            if (parse.GetValue(json)) PrintJson(paths, classNames, probabilities);
            else PrintTables(paths, classNames, probabilities);
            return 0;
        });
        return command;
    }

    static void PrintTables(string[] paths, string[] classNames, float[,] probabilities)
    {
        for (int i = 0; i < paths.Length; i++)
        {
            var table = new Table().Title(Markup.Escape(paths[i])).AddColumns("label", "probability");
            foreach (int c in Enumerable.Range(0, classNames.Length).OrderByDescending(c => probabilities[i, c]))
                table.AddRow(Markup.Escape(classNames[c]), $"{probabilities[i, c]:P2}");
            AnsiConsole.Write(table);
        }
    }

    static void PrintJson(string[] paths, string[] classNames, float[,] probabilities)
    {
        var results = new JsonArray();
        for (int i = 0; i < paths.Length; i++)
        {
            var scores = new JsonObject();
            foreach (int c in Enumerable.Range(0, classNames.Length)) scores[classNames[c]] = probabilities[i, c];
            results.Add(new JsonObject { ["image"] = paths[i], ["probabilities"] = scores });
        }
        Console.WriteLine(results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
