using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Vision;

namespace ClipNet.Hub;

/// <summary>
/// One pretrained release, as open_clip names it (`ViT-B-32` + `laion2b_s34b_b79k`): the hub repo and weights file
/// that hold it, and the built-in architecture open_clip builds for it (QuickGELU for OpenAI's and MetaCLIP's).
/// </summary>
public sealed record PretrainedModel(string Architecture, string Tag, string Repo, string File, string Config,
    IReadOnlyList<float>? Mean = null, IReadOnlyList<float>? Std = null)
{
    public string Name => $"{Architecture}:{Tag}";

    public ClipConfig ClipConfig => ModelConfigs.Get(Config);

    /// <summary>Resize and normalisation as open_clip's pretrained config sets them: CLIP's mean and std unless the tag overrides them.</summary>
    public ImagePreprocessor Preprocessor => new ImagePreprocessor(ClipConfig.Vision.ImageSize) with
    {
        Mean = Mean ?? ImagePreprocessor.ClipMean,
        Std = Std ?? ImagePreprocessor.ClipStd,
    };

    /// <summary>open_clip prefers the safetensors twin of a pickled file (`open_clip_pytorch_model.bin` → `open_clip_model.safetensors`).</summary>
    public IReadOnlyList<string> WeightFileChoices => [SafeTensorsTwin(File), File];

    static string SafeTensorsTwin(string file) =>
        file == "open_clip_pytorch_model.bin" ? "open_clip_model.safetensors"
        : file.EndsWith(".bin") || file.EndsWith(".pth") ? file[..^4] + ".safetensors"
        : file;
}

/// <summary>
/// The table of pretrained names (`Hub/pretrained.json`, taken from open_clip's pretrained.py): data, like the
/// architectures, so adding a release is adding a line.
/// </summary>
public static class PretrainedModels
{
    const string Resource = "ClipNet.Hub.pretrained.json";
    static readonly Lazy<IReadOnlyList<PretrainedModel>> all = new(Load);

    /// <summary>Every (architecture, tag) pair in the table's order, like open_clip.list_pretrained().</summary>
    public static IReadOnlyList<PretrainedModel> All => all.Value;

    public static bool IsArchitecture(string architecture) =>
        All.Any(p => string.Equals(p.Architecture, architecture, StringComparison.OrdinalIgnoreCase));

    public static PretrainedModel Get(string architecture, string tag)
    {
        var tags = All.Where(p => string.Equals(p.Architecture, architecture, StringComparison.OrdinalIgnoreCase)).ToList();
        if (tags.Count == 0)
            throw new ClipNetException($"'{architecture}:{tag}': no pretrained weights for architecture '{architecture}'; known: {string.Join(", ", All.Select(p => p.Architecture).Distinct())}");
        // open_clip lower-cases tags and accepts '-' for '_'.
        string wanted = tag.ToLowerInvariant().Replace('-', '_');
        return tags.FirstOrDefault(p => p.Tag == wanted)
            ?? throw new ClipNetException($"'{architecture}:{tag}': unknown pretrained tag; {tags[0].Architecture} has {string.Join(", ", tags.Select(p => p.Tag))}");
    }

    static IReadOnlyList<PretrainedModel> Load()
    {
        using var stream = typeof(PretrainedModels).Assembly.GetManifestResourceStream(Resource)!;
        var models = JsonNode.Parse(stream)!["models"]!.AsObject();
        return models.SelectMany(arch => arch.Value!.AsObject().Select(tag => new PretrainedModel(
            arch.Key, tag.Key, (string)tag.Value!["repo"]!, (string)tag.Value!["file"]!, (string)tag.Value!["config"]!,
            Floats(tag.Value!["mean"]), Floats(tag.Value!["std"])))).ToList();
    }

    static float[]? Floats(JsonNode? node) => node is JsonArray array ? array.Select(v => (float)v!).ToArray() : null;
}
