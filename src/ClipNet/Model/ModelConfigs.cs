using System.Reflection;
using System.Text.Json.Nodes;
using ClipNet.IO;

namespace ClipNet.Model;

/// <summary>
/// The built-in architectures, one OpenCLIP-style JSON file each under `Model/Configs/`. OpenAI's releases
/// use QuickGELU and carry the `-quickgelu` suffix, as in OpenCLIP; OpenAI's own names (`ViT-B/32`,
/// `RN50x4`, `ViT-L/14@336px`) are accepted as aliases for them.
/// </summary>
public static class ModelConfigs
{
    const string ResourcePrefix = "ClipNet.Model.Configs.";

    static readonly Lazy<IReadOnlyDictionary<string, ClipConfig>> all = new(LoadAll);

    public static IReadOnlyDictionary<string, ClipConfig> All => all.Value;

    /// <summary>A built-in architecture by name, or an OpenCLIP-style JSON config file by path.</summary>
    public static ClipConfig Get(string name)
    {
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return ClipConfig.FromOpenClipJson(JsonFile.ReadObject(name), name);
        if (All.TryGetValue(name, out var config)) return config;
        if (All.TryGetValue(OpenAiAlias(name), out config)) return config;
        throw new ClipNetException($"unknown model architecture '{name}'; known: {string.Join(", ", All.Keys.Order())}");
    }

    static string OpenAiAlias(string name) =>
        name.Replace("@336px", "-336").Replace('/', '-') + "-quickgelu";

    static IReadOnlyDictionary<string, ClipConfig> LoadAll()
    {
        var assembly = typeof(ModelConfigs).Assembly;
        var configs = new Dictionary<string, ClipConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (string resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix)))
        {
            string name = resource[ResourcePrefix.Length..^".json".Length];
            using var stream = assembly.GetManifestResourceStream(resource)!;
            configs[name] = ClipConfig.FromOpenClipJson(JsonNode.Parse(stream)!, resource);
        }
        return configs;
    }
}
