using ClipNet.Checkpoints;
using static TorchSharp.torch;

namespace ClipNet.Hub;

/// <summary>Where a model's weights are on disk, and the pretrained release they are when named as one (its config and preprocessing then come from the table).</summary>
public sealed record ModelLocation(string Path, PretrainedModel? Pretrained = null);

/// <summary>
/// The one reading of a model argument, behind <see cref="Clip.Load(string, ScalarType, Device?, HubSettings?)"/>,
/// every `--model` option and `clip train --init`:
/// <list type="number">
/// <item>a local file or folder that exists;</item>
/// <item>`hf-hub:org/name[@revision]`, open_clip's spelling: the repo's OpenCLIP files first;</item>
/// <item>`ARCH:tag`, an open_clip pretrained name (`ViT-B-32:laion2b_s34b_b79k`, `RN50:openai`), through <see cref="PretrainedModels"/>;</item>
/// <item>`org/name[@revision]`: a Hugging Face hub repository, its best CLIP weights.</item>
/// </list>
/// Hub models come from the shared cache when it holds the revision, with no request; otherwise they are downloaded.
/// </summary>
public static class ModelReference
{
    const string HubPrefix = "hf-hub:";
    static readonly string[] OpenClipWeights = ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"];

    /// <summary>What the reference names, without touching disk or network: a hub request (and the pretrained release), or null for a local path.</summary>
    public static (DownloadRequest Request, PretrainedModel? Pretrained)? Parse(string reference)
    {
        if (reference.StartsWith(HubPrefix, StringComparison.Ordinal))
        {
            var request = ParseRepo(reference[HubPrefix.Length..]) ?? throw new ClipNetException($"'{reference}': expected hf-hub:org/name[@revision]");
            return (request with { WeightFileChoices = [.. OpenClipWeights, .. request.EffectiveWeightChoices] }, null);
        }
        int colon = reference.IndexOf(':');
        if (colon > 0 && reference.IndexOfAny(['/', '\\']) < 0)
        {
            var pretrained = PretrainedModels.Get(reference[..colon], reference[(colon + 1)..]);
            return (new DownloadRequest(pretrained.Repo) { WeightFileChoices = pretrained.WeightFileChoices }, pretrained);
        }
        return ParseRepo(reference) is { } repo ? (repo, null) : null;
    }

    static DownloadRequest? ParseRepo(string text)
    {
        int at = text.IndexOf('@');
        string repo = at < 0 ? text : text[..at];
        string revision = at < 0 ? "main" : text[(at + 1)..];
        return HubDownload.IsRepoId(repo) && revision.Length > 0 ? new DownloadRequest(repo, revision) : null;
    }

    /// <summary>Resolves the reference (downloading if needed) and loads the model it names.</summary>
    public static LoadedModel Load(string reference, ScalarType dtype = ScalarType.Float32, Device? device = null, HubSettings? hub = null) =>
        Load(Resolve(reference, hub), dtype, device);

    public static LoadedModel Load(ModelLocation location, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        ModelLoader.Load(location.Path, dtype, device, location.Pretrained is { } pretrained ? (pretrained.ClipConfig, pretrained.Preprocessor) : null);

    /// <summary>The model's location on disk, downloading it into the cache if it names a hub model not yet there.</summary>
    public static ModelLocation Resolve(string reference, HubSettings? hub = null, IProgress<DownloadProgress>? progress = null)
    {
        if (File.Exists(reference) || Directory.Exists(reference)) return new ModelLocation(reference);
        var (request, pretrained) = Parse(reference)
            ?? throw new ClipNetException($"{reference}: no such file or folder (nor a hub name: org/name[@revision], hf-hub:org/name or ARCH:tag)");
        hub ??= HubSettings.FromEnvironment();
        var found = HubDownload.FromCache(request, new HubCache(hub.CacheRoot));
        if (found is not null) return new ModelLocation(found.WeightsPath, pretrained);
        try
        {
            return new ModelLocation(HubDownload.Download(request, hub, progress).WeightsPath, pretrained);
        }
        catch (ClipNetException e) when (pretrained is null && !reference.StartsWith(HubPrefix, StringComparison.Ordinal))
        {
            // `runs/model` may be a mistyped local folder as much as a hub id: say both.
            throw new ClipNetException($"{reference}: no such file or folder, and as a hub repository: {e.Message}", e);
        }
    }
}
