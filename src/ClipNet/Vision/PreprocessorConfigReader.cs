using System.Text.Json;

namespace ClipNet.Vision;

/// <summary>
/// Reads the settings of a Hugging Face <c>preprocessor_config.json</c> (CLIPImageProcessor) that
/// <see cref="ImagePreprocessor"/> has: the short-side resize (<c>size</c>, an int or
/// <c>{"shortest_edge": n}</c>), the crop (<c>crop_size</c>, an int or <c>{"height", "width"}</c>, square),
/// <c>image_mean</c> and <c>image_std</c>. Settings it cannot honour (a non-bicubic <c>resample</c>, a
/// rescale other than 1/255) are refused rather than silently ignored.
/// </summary>
internal static class PreprocessorConfigReader
{
    const int PillowBicubic = 3;

    public static ImagePreprocessor Read(string jsonPath)
    {
        if (!File.Exists(jsonPath)) throw new ClipNetException($"{jsonPath}: file not found");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
        }
        catch (JsonException e)
        {
            throw new ClipNetException($"{jsonPath}: not valid JSON ({e.Message})");
        }
        using var disposeDocument = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new ClipNetException($"{jsonPath}: expected a JSON object");

        if (root.TryGetProperty("resample", out var resample) && (resample.ValueKind != JsonValueKind.Number || resample.GetDouble() != PillowBicubic))
            throw new ClipNetException($"{jsonPath}: resample {resample.GetRawText()} is not supported (only 3, bicubic)");
        if (root.TryGetProperty("rescale_factor", out var rescale) && (rescale.ValueKind != JsonValueKind.Number || Math.Abs(rescale.GetDouble() * 255 - 1) > 1e-9))
            throw new ClipNetException($"{jsonPath}: rescale_factor {rescale.GetRawText()} is not supported (only 1/255)");

        int shortSide = ReadSize(jsonPath, root, "size", "shortest_edge");
        int crop = root.TryGetProperty("crop_size", out _) ? ReadSize(jsonPath, root, "crop_size", null) : shortSide;
        return new ImagePreprocessor(crop)
        {
            ResizeShortSide = shortSide,
            Mean = ReadTriple(jsonPath, root, "image_mean"),
            Std = ReadTriple(jsonPath, root, "image_std"),
        }.Checked(jsonPath);
    }

    /// <summary>
    /// An int, or an object with <paramref name="edgeKey"/>, or, when there is no edge key (the crop), equal
    /// "height" and "width". A resize <c>size</c> given as height and width would squash the image to that
    /// shape instead of resizing its short side, so it is refused.
    /// </summary>
    static int ReadSize(string path, JsonElement root, string key, string? edgeKey)
    {
        if (!root.TryGetProperty(key, out var value)) throw new ClipNetException($"{path}: missing \"{key}\"");
        int? size = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out int n) => n,
            JsonValueKind.Object when edgeKey is not null && value.TryGetProperty(edgeKey, out var edge) && edge.TryGetInt32(out int n) => n,
            JsonValueKind.Object when edgeKey is null && value.TryGetProperty("height", out var h) && value.TryGetProperty("width", out var w)
                                      && h.TryGetInt32(out int height) && w.TryGetInt32(out int width) =>
                height == width ? height : throw new ClipNetException($"{path}: \"{key}\" is {height}x{width}; only square sizes are supported"),
            _ => null,
        };
        return size is > 0 ? size.Value : throw new ClipNetException($"{path}: \"{key}\" must be a positive int or {{\"{edgeKey ?? "height"}\": n{(edgeKey is null ? ", \"width\": n" : "")}}}, got {value.GetRawText()}");
    }

    static float[] ReadTriple(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value)) throw new ClipNetException($"{path}: missing \"{key}\"");
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 3 || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            throw new ClipNetException($"{path}: \"{key}\" must be an array of 3 numbers, got {value.GetRawText()}");
        // Parsed as double then rounded to float32, as Python and torch do when they build the mean/std tensors.
        return value.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    }
}
