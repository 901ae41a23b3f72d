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
}
