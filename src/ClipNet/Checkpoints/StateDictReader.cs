using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Checkpoints;

/// <summary>
/// The one way to read a checkpoint: a `.safetensors` file, a shard index (`*.index.json`), a PyTorch
/// zip archive (`.pt`, `.pth`, `.bin`, TorchScript included) or a folder holding one of them. Names keep
/// the file's naming scheme (OpenAI/OpenCLIP or Hugging Face; see <see cref="HuggingFaceKeyMap"/>), minus
/// the `module.` prefix that `torch.nn.DataParallel` / DistributedDataParallel training adds.
/// </summary>
public static class StateDictReader
{
    /// <summary>What a folder is searched for, best first: safetensors before pickles, Hugging Face
    /// (`model.*`, `pytorch_model.*`) and OpenCLIP (`open_clip_*`) hub names.</summary>
    public static readonly IReadOnlyList<string> FolderCandidates =
    [
        "model.safetensors",
        "model.safetensors.index.json",
        "open_clip_model.safetensors",
        "open_clip_pytorch_model.bin",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ];

    const string ParallelPrefix = "module.";

    public static StateDict Read(string path)
    {
        if (Directory.Exists(path)) path = PickFromFolder(path);
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        var stateDict = ReadFile(path);
        return stateDict.Keys.Any(k => k.StartsWith(ParallelPrefix, StringComparison.Ordinal)) ? WithoutParallelPrefix(stateDict) : stateDict;
    }

    static string PickFromFolder(string folder)
    {
        foreach (var candidate in FolderCandidates)
        {
            string file = Path.Combine(folder, candidate);
            if (File.Exists(file)) return file;
        }
        throw new ClipNetException($"{folder}: no checkpoint in this folder (looked for {string.Join(", ", FolderCandidates)})");
    }

    static StateDict ReadFile(string path)
    {
        string name = Path.GetFileName(path);
        if (name.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)) return ReadSharded(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".safetensors" => ReadSafeTensors(path),
            ".pt" or ".pth" or ".bin" => PyTorchCheckpoint.Read(path),
            var extension => throw new ClipNetException(
                $"{path}: unknown checkpoint type '{extension}' (expected .safetensors, a *.index.json shard index, .pt, .pth or .bin, or a folder holding one)"),
        };
    }

    static StateDict ReadSafeTensors(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        var tensors = file.Tensors.Values.OrderBy(t => t.Begin).Select(t => new KeyValuePair<string, Tensor>(t.Name, file.Load(t.Name))).ToList();
        return new StateDict(tensors, StateDictFormat.SafeTensors, path, file.Metadata);
    }

    static StateDict ReadSharded(string path)
    {
        var index = ShardIndex.Read(path);
        if (index.WeightMap.Values.All(s => s.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)))
        {
            using var shards = SafeTensorsIndex.Open(path);
            var tensors = shards.Names.Select(n => new KeyValuePair<string, Tensor>(n, shards.Load(n))).ToList();
            return new StateDict(tensors, StateDictFormat.ShardedSafeTensors, path, index.Metadata);
        }
        return ReadShardedPickles(index);
    }

    // pytorch_model.bin.index.json: each shard is a whole torch.save archive.
    static StateDict ReadShardedPickles(ShardIndex index)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var shard in index.WeightMap.Values.Distinct(StringComparer.Ordinal))
        {
            string shardPath = index.ShardPath(shard);
            if (!File.Exists(shardPath)) throw new ClipNetException($"{index.Path}: shard '{shard}' is missing (looked for {shardPath})");
            using var part = ReadFile(shardPath);
            foreach (var (name, owner) in index.WeightMap.Where(e => e.Value == shard))
            {
                if (!part.TryGetValue(name, out var tensor))
                    throw new ClipNetException($"{index.Path}: the index puts tensor '{name}' in shard '{shard}', but that shard has no such tensor");
                tensors.Add(new(name, tensor.alias()));
            }
        }
        return new StateDict(tensors, StateDictFormat.ShardedPyTorchZip, index.Path, index.Metadata);
    }

    static StateDict WithoutParallelPrefix(StateDict stateDict)
    {
        var renamed = stateDict.Select(kv => new KeyValuePair<string, Tensor>(
            kv.Key.StartsWith(ParallelPrefix, StringComparison.Ordinal) ? kv.Key[ParallelPrefix.Length..] : kv.Key, kv.Value));
        return new StateDict(renamed, stateDict.Format, stateDict.SourcePath, stateDict.Metadata);
    }
}
