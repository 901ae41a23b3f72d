using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Vision;
using ClipNet.IO;

namespace ClipNet.Checkpoints;

/// <summary>
/// `open_clip_config.json`: either a bare OpenCLIP model config or the hub layout
/// `{"model_cfg": {...}, "preprocess_cfg": {"mean", "std", ...}}`.
/// </summary>
public static class OpenClipConfigFile
{
    public const string FileName = "open_clip_config.json";

    /// <summary>The safetensors metadata key under which ClipNet stores the same JSON inside the weights file.</summary>
    public const string MetadataKey = "open_clip_config";

    public static (ClipConfig Config, ImagePreprocessor Preprocessor) Read(string path) => FromJson(JsonFile.ReadObject(path), path);

    /// <summary>The config a weights file carries in its metadata; <paramref name="source"/> names it in errors.</summary>
    public static (ClipConfig Config, ImagePreprocessor Preprocessor) FromMetadata(string json, string source)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException e) { throw new ClipNetException($"{source}: invalid JSON ({e.Message})"); }
        return FromJson(root as JsonObject ?? throw new ClipNetException($"{source}: expected a JSON object"), source);
    }

    static (ClipConfig Config, ImagePreprocessor Preprocessor) FromJson(JsonObject root, string path)
    {
        var config = ClipConfig.FromOpenClipJson(root["model_cfg"] ?? root, path);
        var preprocessor = new ImagePreprocessor(config.Vision.ImageSize);
        if (root["preprocess_cfg"] is JsonObject preprocess)
        {
            if (preprocess["mean"] is JsonArray mean) preprocessor = preprocessor with { Mean = Numbers(mean, "preprocess_cfg.mean", path) };
            if (preprocess["std"] is JsonArray std) preprocessor = preprocessor with { Std = Numbers(std, "preprocess_cfg.std", path) };
        }
        return (config, preprocessor.Checked(path));
    }

    static float[] Numbers(JsonArray array, string field, string path) =>
        array.Select(v => v is JsonValue value && value.TryGetValue(out double d) ? (float)d
            : throw new ClipNetException($"{path}: {field} must hold numbers, got {array.ToJsonString()}")).ToArray();

    /// <summary>The hub layout, so OpenCLIP's `create_model_from_pretrained('local-dir:…')` finds both parts.</summary>
    public static JsonObject ToJson(ClipConfig config, ImagePreprocessor preprocessor) => new()
    {
        ["model_cfg"] = config.ToOpenClipJson(),
        ["preprocess_cfg"] = new JsonObject
        {
            ["mean"] = new JsonArray(preprocessor.Mean.Select(v => (JsonNode)(double)v).ToArray()),
            ["std"] = new JsonArray(preprocessor.Std.Select(v => (JsonNode)(double)v).ToArray()),
        },
    };
}
