using System.Text.Json;

namespace ClipNet.Data;

/// <summary>Prompt templates ("a photo of a {}.") read from a text file (one per line) or a JSON array of strings.</summary>
public static class PromptTemplates
{
    /// <summary>The CLIP paper's default prompt.</summary>
    public static readonly IReadOnlyList<string> Default = ["a photo of a {}."];

    public static IReadOnlyList<string> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: templates file not found");
        string text = File.ReadAllText(path);
        List<string> templates;
        if (text.TrimStart().StartsWith('['))
        {
            try { templates = JsonSerializer.Deserialize<List<string>>(text) ?? []; }
            catch (JsonException e) { throw new ClipNetException($"{path}: not a JSON array of strings ({e.Message})"); }
        }
        else templates = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (templates.Count == 0) throw new ClipNetException($"{path}: no templates");
        var bad = templates.FirstOrDefault(t => !t.Contains("{}"));
        if (bad is not null) throw new ClipNetException($"{path}: template \"{bad}\" has no {{}} where the class name goes");
        return templates;
    }
}
