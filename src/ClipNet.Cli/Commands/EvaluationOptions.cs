using System.CommandLine;
using ClipNet.Evaluation;
using ClipNet.Data;

namespace ClipNet.Cli.Commands;

/// <summary>Options the evaluation commands share.</summary>
static class EvaluationOptions
{
    public static Option<string?> Data(bool required = false, string name = "--data", string what = "Dataset") => new(name)
    {
        Description = $"{what}: CIFAR-layout folder (images.bin), .tsv/.csv manifest, WebDataset .tar shards, or a folder of class folders",
        Required = required,
    };

    public static Option<int?> Limit() => new Option<int?>("--limit") { Description = "Use only the first N images of each dataset" }.Within(1, int.MaxValue);

    public static Option<string> Output(string defaultFolder) => new("--out")
    {
        Description = "Folder for the report (JSON, Markdown, figures)",
        DefaultValueFactory = _ => defaultFolder,
    };

    /// <summary>The images of a dataset or feature file, unreadable images announced on stderr.</summary>
    public static FeatureSource Images(string? data, string? features, int? limit) =>
        new(data, features, limit) { Problems = Problems() };

    public static DataProblemLog Problems() => new() { Warn = line => Console.Error.WriteLine(line) };

    /// <summary>Writes where the report went.</summary>
    public static void PrintReport(ReportFiles report)
    {
        Console.WriteLine($"report: {report.Markdown}, {report.Json}");
        foreach (var figure in report.Figures) Console.WriteLine($"figure: {figure}");
    }
}
