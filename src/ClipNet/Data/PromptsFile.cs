using System.Text.Json;

namespace ClipNet.Data;

/// <summary>
/// Reads a prompts file such as <c>prompts.json</c>: <c>{"dataset": {"classes": [...], "templates": [...]}}</c>,
/// each template holding <c>{}</c> where the class name goes.
/// </summary>
public static class PromptsFile
{
    /// <summary>The classes and templates of one dataset; an unknown name is an error that lists the known ones.</summary>
    public static ClassPrompts Read(string path, string dataset)
    {
        var all = ReadAll(path);
        if (all.TryGetValue(dataset, out var prompts)) return prompts;
        var match = all.Keys.FirstOrDefault(k => string.Equals(k, dataset, StringComparison.OrdinalIgnoreCase));
        if (match is not null) return all[match];
        throw new ClipNetException(
            $"{path}: no dataset named '{dataset}'; known datasets: {string.Join(", ", all.Keys.Order(StringComparer.Ordinal))}");
    }

    public static IReadOnlyDictionary<string, ClassPrompts> ReadAll(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: prompts file not found");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new ClipNetException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new ClipNetException($"{path}: expected an object mapping dataset names to {{\"classes\", \"templates\"}}");
            var result = new Dictionary<string, ClassPrompts>(StringComparer.Ordinal);
            foreach (var dataset in document.RootElement.EnumerateObject())
                result[dataset.Name] = Prompts(path, dataset);
            return result;
        }
    }

    /// <summary>A class is a name or, in a few datasets (FER2013), a list of synonyms.</summary>
    static ClassPrompts Prompts(string path, JsonProperty dataset)
    {
        var classes = Field(path, dataset, "classes");
        var synonyms = classes.Select(c => c.ValueKind == JsonValueKind.Array ? Strings(path, dataset, "classes", c.EnumerateArray()) : Strings(path, dataset, "classes", [c])).ToList();
        var templates = Strings(path, dataset, "templates", [.. Field(path, dataset, "templates")]);
        if (synonyms.Count == 0 || synonyms.Any(s => s.Count == 0))
            throw new ClipNetException($"{path}: dataset '{dataset.Name}' has an empty class list or a class without a name");
        if (templates.Count == 0) throw new ClipNetException($"{path}: dataset '{dataset.Name}' has no templates");
        return new ClassPrompts([.. synonyms.Select(s => s[0])], templates)
        {
            Synonyms = synonyms.Any(s => s.Count > 1) ? synonyms : null,
        };
    }

    static List<JsonElement> Field(string path, JsonProperty dataset, string field) =>
        dataset.Value.ValueKind == JsonValueKind.Object && dataset.Value.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()]
            : throw new ClipNetException($"{path}: dataset '{dataset.Name}' needs a \"{field}\" list");

    static IReadOnlyList<string> Strings(string path, JsonProperty dataset, string field, IEnumerable<JsonElement> elements)
    {
        var items = elements.ToList();
        if (items.Any(e => e.ValueKind != JsonValueKind.String))
            throw new ClipNetException($"{path}: dataset '{dataset.Name}' has a \"{field}\" entry that is not a string");
        return [.. items.Select(e => e.GetString()!)];
    }
}
