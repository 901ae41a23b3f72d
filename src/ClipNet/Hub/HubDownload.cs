using System.Text.RegularExpressions;
using ClipNet.Checkpoints;

namespace ClipNet.Hub;

/// <summary>A model repository at a revision; <see cref="WeightFileChoices"/> narrows which weights to take, best first.</summary>
public sealed record DownloadRequest(string RepoId, string Revision = "main")
{
    /// <summary>Null: the best CLIP weights the repo has, safetensors before pickles (<see cref="StateDictReader.FolderCandidates"/>).</summary>
    public IReadOnlyList<string>? WeightFileChoices { get; init; }

    public IReadOnlyList<string> EffectiveWeightChoices => WeightFileChoices ?? StateDictReader.FolderCandidates;
}

/// <summary>Bytes brought over so far, of all the files one download needs, and the file being fetched.</summary>
public sealed record DownloadProgress(string File, long BytesDone, long BytesTotal);

/// <summary>The snapshot a download produced (or found): its commit, folder, weights file and the files in it.</summary>
public sealed record DownloadResult(string RepoId, string Commit, string SnapshotFolder, string WeightsPath, IReadOnlyList<string> Files, long BytesDownloaded);

/// <summary>
/// Brings the files a CLIP model needs into the shared cache: its config (`config.json` and/or
/// `open_clip_config.json`), the best weights available, the tokenizer files and `preprocessor_config.json`.
/// </summary>
public static partial class HubDownload
{
    /// <summary>The small files that travel with the weights when the repo has them.</summary>
    public static readonly IReadOnlyList<string> CompanionFiles =
    [
        "config.json", OpenClipConfigFile.FileName, "preprocessor_config.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
    ];

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
    private static partial Regex RepoIdPattern();

    public static bool IsRepoId(string text) => RepoIdPattern().IsMatch(text) && !text.Contains("..");

    /// <summary>
    /// Asks the hub which commit the revision is and fetches what is missing from the cache (nothing, if every blob
    /// is there). With <see cref="HubSettings.Offline"/> it makes no request and answers from the cache alone.
    /// </summary>
    public static DownloadResult Download(DownloadRequest request, HubSettings settings, IProgress<DownloadProgress>? progress = null, HttpMessageHandler? handler = null)
    {
        if (!IsRepoId(request.RepoId)) throw new ClipNetException($"'{request.RepoId}': not a hub repository id (expected org/name)");
        var cache = new HubCache(settings.CacheRoot);
        if (settings.Offline) return FromCache(request, cache) ?? throw OfflineMiss(request, cache);

        using var client = new HubClient(settings, handler);
        var listing = client.List(request.RepoId, request.Revision);
        string weights = request.EffectiveWeightChoices.FirstOrDefault(listing.Files.Contains)
            ?? throw new ClipNetException($"{request.RepoId}@{request.Revision}: no CLIP weights in the repository (looked for {string.Join(", ", request.EffectiveWeightChoices)})");
        var files = CompanionFiles.Where(listing.Files.Contains).Append(weights)
            .Select(file => client.Metadata(request.RepoId, listing.Commit, file)).ToList();

        string commit = listing.Commit;
        if (weights.EndsWith(".index.json", StringComparison.Ordinal))
        {
            // A sharded checkpoint: the index names the shards, so it comes first.
            var index = files[^1];
            client.Download(cache, request.RepoId, index);
            cache.Link(request.RepoId, commit, weights, index.Etag);
            var shards = ShardIndex.Read(cache.SnapshotPath(request.RepoId, commit, weights)).WeightMap.Values.Distinct(StringComparer.Ordinal);
            string prefix = weights.Contains('/') ? weights[..(weights.LastIndexOf('/') + 1)] : "";
            foreach (string shard in shards.Select(shard => prefix + shard))
            {
                // Only files the repository lists: an index cannot point outside the snapshot.
                if (!listing.Files.Contains(shard)) throw new ClipNetException($"{request.RepoId}/{weights}: names shard '{shard}', which the repository does not have");
                files.Add(client.Metadata(request.RepoId, commit, shard));
            }
        }

        var missing = files.Where(f => !File.Exists(cache.BlobPath(request.RepoId, f.Etag))).ToList();
        long total = missing.Sum(f => f.Size ?? 0), done = 0, fetched = 0;
        foreach (var file in files)
        {
            if (missing.Contains(file))
            {
                string current = file.File;
                var bytes = new ByteCounter(n => { done += n; fetched += n; progress?.Report(new DownloadProgress(current, done, total)); });
                client.Download(cache, request.RepoId, file, bytes);
            }
            cache.Link(request.RepoId, commit, file.File, file.Etag);
        }
        cache.WriteRef(request.RepoId, request.Revision, commit);
        return new DownloadResult(request.RepoId, commit, cache.SnapshotFolder(request.RepoId, commit),
            cache.SnapshotPath(request.RepoId, commit, weights), files.Select(f => f.File).ToList(), fetched);
    }

    /// <summary>
    /// The snapshot already in the cache for this revision, if it holds usable weights (and every shard of a sharded
    /// checkpoint); null otherwise. Makes no request, so a cache laid out by Python tools serves as it is.
    /// </summary>
    public static DownloadResult? FromCache(DownloadRequest request, HubCache cache)
    {
        if (cache.ResolveCommit(request.RepoId, request.Revision) is not { } commit) return null;
        string folder = cache.SnapshotFolder(request.RepoId, commit);
        string? weights = request.EffectiveWeightChoices.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);
        if (weights is null) return null;
        if (weights.EndsWith(".index.json", StringComparison.Ordinal) && !ShardIndex.Read(weights).ShardPaths.All(File.Exists)) return null;
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal).ToList();
        return new DownloadResult(request.RepoId, commit, folder, weights, files, 0);
    }

    static ClipNetException OfflineMiss(DownloadRequest request, HubCache cache)
    {
        string where = cache.ResolveCommit(request.RepoId, request.Revision) is { } commit
            ? $"{cache.SnapshotFolder(request.RepoId, commit)} has none of {string.Join(", ", request.EffectiveWeightChoices)}"
            : $"revision '{request.Revision}' is not in the cache at {cache.RepoFolder(request.RepoId)}";
        return new ClipNetException($"{request.RepoId}: HF_HUB_OFFLINE is set and the model is not cached ({where}); download it while online with `clip download {request.RepoId}`");
    }

}

/// <summary>Counts bytes on the thread that reports them, in order (System.Progress would post to the thread pool).</summary>
public sealed class ByteCounter(Action<long> add) : IProgress<long>
{
    public void Report(long bytes) => add(bytes);
}
