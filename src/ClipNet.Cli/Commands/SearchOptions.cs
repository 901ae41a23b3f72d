using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Search;

namespace ClipNet.Cli.Commands;

/// <summary>Options and output shared by `clip index`, `clip search` and `clip dedupe`.</summary>
static class SearchOptions
{
    public static Option<string> Index() => new("--index")
    {
        Description = "Index file (default: $CLIPNET_INDEX, else ~/.local/share/clipnet/photo-index.sqlite)",
        DefaultValueFactory = _ => PhotoIndex.DefaultPath,
    };

    public static JsonObject Json(PhotoRecord photo) => new()
    {
        ["id"] = photo.Id, ["path"] = photo.Path, ["type"] = photo.Type, ["size"] = photo.SizeBytes,
        ["captured_at"] = photo.CapturedAt?.ToString("s"), ["modified_utc"] = photo.ModifiedUtc.ToString("O"),
        ["orientation"] = photo.Orientation, ["width"] = photo.Width, ["height"] = photo.Height, ["sha256"] = photo.ContentHash,
    };

    public static void Print(JsonNode json) => Console.WriteLine(json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
