using System.Globalization;
using System.Text.Json.Nodes;
using ClipNet.Checkpoints;

namespace ClipNet.Search;

/// <summary>
/// The identity of the model an index was built with: where it was loaded from, a SHA-256 over its weights
/// (<see cref="WeightsFingerprint"/>: the same whichever format they were read from), its architecture and
/// its preprocessing. Embeddings of another model live in another space, so an index refuses queries and
/// updates from a model whose identity differs.
/// </summary>
public sealed record IndexedModel(string Source, string ContentHash, string Architecture, string Preprocessing)
{
    public static IndexedModel Of(Clip clip)
    {
        var p = clip.Preprocessor;
        var preprocessing = new JsonObject
        {
            ["size"] = p.Size,
            ["resize_short_side"] = p.ResizeShortSide ?? p.Size,
            ["mean"] = new JsonArray([.. p.Mean.Select(v => (JsonNode)v)]),
            ["std"] = new JsonArray([.. p.Std.Select(v => (JsonNode)v)]),
            // The index always embeds photos turned upright by their EXIF orientation (PhotoIndex.DecodeUpright).
            ["exif_upright"] = true,
        };
        string source = File.Exists(clip.Source) || Directory.Exists(clip.Source) ? Path.GetFullPath(clip.Source) : clip.Source;
        return new IndexedModel(source, WeightsFingerprint.Of(clip.Model), clip.Model.Config.ToOpenClipJson().ToJsonString(), preprocessing.ToJsonString());
    }

    /// <summary>True when both name the same weights, architecture and preprocessing (the source path may differ).</summary>
    public bool SameModelAs(IndexedModel other) =>
        ContentHash == other.ContentHash && Architecture == other.Architecture && Preprocessing == other.Preprocessing;

    /// <summary>What differs, for an error message.</summary>
    public string DifferenceFrom(IndexedModel other) => string.Join("; ", new[]
    {
        ContentHash != other.ContentHash ? string.Create(CultureInfo.InvariantCulture, $"weights sha256 {ContentHash[..12]}… vs {other.ContentHash[..12]}…") : null,
        Architecture != other.Architecture ? "architecture differs" : null,
        Preprocessing != other.Preprocessing ? $"preprocessing {Preprocessing} vs {other.Preprocessing}" : null,
    }.Where(d => d is not null));
}
