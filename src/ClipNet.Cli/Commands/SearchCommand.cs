using System.CommandLine;
using System.Text.Json.Nodes;
using ClipNet.Search;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip search QUERY [--image FILE] [--plus T] [--minus T] [--index FILE] [--top 20] [--min-score S] [filters] [--json]`.</summary>
public static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string?>("query") { Description = "What to look for, e.g. \"a dog on the beach\"", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<string?>("--image") { Description = "Search by an image file (combined with QUERY when both are given)" };
        var similar = new Option<long?>("--similar") { Description = "Photos like the indexed photo with this id" };
        var plus = new Option<string[]>("--plus") { Description = "Text added to the query's embedding (repeatable)", DefaultValueFactory = _ => [] };
        var minus = new Option<string[]>("--minus") { Description = "Text subtracted from the query's embedding (repeatable)", DefaultValueFactory = _ => [] };
        var index = SearchOptions.Index();
        var model = new Option<string?>("--model", "-m") { Description = "The model the index was built with, if it has moved since (default: the path recorded in the index)" };
        var top = new Option<int>("--top") { Description = "Number of results", DefaultValueFactory = _ => 20 };
        var minScore = new Option<float?>("--min-score") { Description = "Leave out results below this cosine similarity (text queries: about 0.2–0.35)" };
        var folder = new Option<string?>("--folder") { Description = "Only photos under this folder" };
        var after = new Option<DateTime?>("--after") { Description = "Only photos taken at or after this date (EXIF date, else file time), e.g. 2024-06-01" };
        var before = new Option<DateTime?>("--before") { Description = "Only photos taken before this date" };
        var type = new Option<string[]>("--type") { Description = "Only these file types: jpg, png, webp, gif, bmp (repeatable)", DefaultValueFactory = _ => [] };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var command = new Command("search", "Search the photo index by text, by image, or both, with --plus/--minus embedding arithmetic")
            { query, image, similar, plus, minus, index, model, top, minScore, folder, after, before, type, json };
        command.SetAction(parse =>
        {
            using var photos = PhotoIndex.Open(parse.GetValue(index)!);
            var filter = new PhotoFilter
            {
                FolderPrefix = parse.GetValue(folder), After = parse.GetValue(after), Before = parse.GetValue(before), Types = parse.GetValue(type)!,
            };
            IReadOnlyList<PhotoHit> hits;
            if (parse.GetValue(similar) is { } id)
                hits = photos.Similar(id, parse.GetValue(top), filter, parse.GetValue(minScore));
            else
            {
                if (parse.GetValue(query) is null && parse.GetValue(image) is null) throw new ClipNetException("give a QUERY text, --image FILE or --similar ID");
                photos.Status();   // an empty or foreign index is reported before the model loads
                using var clip = parse.GetValue(model) is { } modelPath ? Clip.Load(modelPath) : null;
                if (clip is null) photos.LoadModel();
                else photos.UseModel(clip);
                hits = photos.Search(new PhotoQuery
                {
                    Text = parse.GetValue(query), ImagePath = parse.GetValue(image), Plus = parse.GetValue(plus)!, Minus = parse.GetValue(minus)!,
                    Filter = filter, Top = parse.GetValue(top), MinScore = parse.GetValue(minScore),
                });
            }
            if (parse.GetValue(json))
                SearchOptions.Print(new JsonArray([.. hits.Select(h => (JsonNode)new JsonObject
                {
                    ["id"] = h.Id, ["path"] = h.Path, ["score"] = h.Score, ["captured_at"] = h.CapturedAt?.ToString("s"), ["size"] = h.SizeBytes,
                })]));
            else if (hits.Count == 0) Console.WriteLine("no photo matches");
            else
            {
                var table = new Table().AddColumns("#", "score", "id", "taken", "path");
                foreach (var (hit, rank) in hits.Select((h, i) => (h, i + 1)))
                    table.AddRow($"{rank}", $"{hit.Score:F4}", $"{hit.Id}", hit.CapturedAt?.ToString("yyyy-MM-dd HH:mm") ?? "", Markup.Escape(hit.Path));
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }
}
