using System.CommandLine;
using System.Text.Json.Nodes;
using ClipNet.Search;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip dedupe [--index FILE] [--threshold T] [--json]`: exact and near-duplicate groups. Never deletes anything.</summary>
public static class DedupeCommand
{
    public static Command Create()
    {
        var index = SearchOptions.Index();
        var threshold = new Option<float>("--threshold")
        {
            Description = $"Cosine similarity at or above which photos are near duplicates (default {PhotoIndex.DefaultDuplicateThreshold})",
            DefaultValueFactory = _ => PhotoIndex.DefaultDuplicateThreshold,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables" };
        var command = new Command("dedupe", "List exact duplicates (same bytes) and near duplicates (resized, re-encoded, burst shots); deletes nothing")
            { index, threshold, json };
        command.SetAction(parse =>
        {
            using var photos = PhotoIndex.Open(parse.GetValue(index)!);
            var report = photos.Duplicates(parse.GetValue(threshold));
            if (parse.GetValue(json))
                SearchOptions.Print(new JsonObject
                {
                    ["threshold"] = report.Threshold,
                    ["groups"] = new JsonArray([.. report.Groups.Select(g => (JsonNode)new JsonObject
                    {
                        ["kind"] = g.Kind.ToString().ToLowerInvariant(), ["min_similarity"] = g.MinSimilarity,
                        ["photos"] = new JsonArray([.. g.Photos.Select(p => (JsonNode)SearchOptions.Json(p))]),
                    })]),
                });
            else if (report.Groups.Count == 0) Console.WriteLine($"no duplicates (near-duplicate threshold {report.Threshold})");
            else
            {
                foreach (var (group, number) in report.Groups.Select((g, i) => (g, i + 1)))
                {
                    string title = group.Kind == DuplicateKind.Exact ? "identical files" : $"near duplicates, similarity ≥ {group.MinSimilarity:F3}";
                    var table = new Table().Title($"group {number}: {title}").AddColumns("id", "size", "pixels", "path");
                    foreach (var p in group.Photos) table.AddRow($"{p.Id}", $"{p.SizeBytes:N0}", $"{p.Width}×{p.Height}", Markup.Escape(p.Path));
                    AnsiConsole.Write(table);
                }
                Console.WriteLine($"{report.Groups.Count(g => g.Kind == DuplicateKind.Exact)} exact and {report.Groups.Count(g => g.Kind == DuplicateKind.Near)} near-duplicate groups; nothing was deleted");
            }
            return 0;
        });
        return command;
    }
}
