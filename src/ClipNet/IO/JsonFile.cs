using System.Text.Json.Nodes;

namespace ClipNet.IO;

/// <summary>Reads a JSON config file whose top level must be an object, with errors that name the file.</summary>
public static class JsonFile
{
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        JsonNode? json;
        try { json = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new ClipNetException($"{path}: not valid JSON ({e.Message})"); }
        return json as JsonObject ?? throw new ClipNetException($"{path}: expected a JSON object");
    }

    /// <summary>
    /// The value of <paramref name="key"/> in <paramref name="section"/>: null when the key is absent (the caller's
    /// default applies), an error naming <paramref name="source"/> and the key when it is present but null, of the
    /// wrong type or out of the type's range. A default must never stand in for a value the file got wrong.
    /// </summary>
    public static T? Optional<T>(JsonNode? section, string key, string source) where T : struct
    {
        if (section is not JsonObject obj || !obj.TryGetPropertyValue(key, out var node)) return null;
        if (node is JsonValue value && value.TryGetValue(out T result)) return result;
        string kind = typeof(T) == typeof(int) ? "an integer" : typeof(T) == typeof(bool) ? "true or false" : "a number";
        throw new ClipNetException($"{source}: \"{key}\" is {node?.ToJsonString() ?? "null"}; it must be {kind}{(typeof(T) == typeof(int) ? $" between {int.MinValue} and {int.MaxValue}" : "")}");
    }
}
