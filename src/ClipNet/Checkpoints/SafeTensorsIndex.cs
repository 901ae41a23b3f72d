using static TorchSharp.torch;

using ClipNet.SafeTensors;

namespace ClipNet.Checkpoints;

/// <summary>
/// A safetensors checkpoint split into shards by a `model.safetensors.index.json`. Every shard is opened
/// (and validated) up front; tensors are memory-mapped views, as with a single <see cref="SafeTensorsFile"/>.
/// </summary>
public sealed class SafeTensorsIndex : IDisposable
{
    readonly Dictionary<string, SafeTensorsFile> shardOf;
    readonly List<SafeTensorsFile> shards;

    public string Path { get; }
    public ShardIndex Index { get; }
    public IReadOnlyDictionary<string, string> Metadata => Index.Metadata;
    /// <summary>Tensor names in weight-map order.</summary>
    public IReadOnlyCollection<string> Names => Index.WeightMap.Keys.ToList();

    SafeTensorsIndex(string path, ShardIndex index, Dictionary<string, SafeTensorsFile> shardOf, List<SafeTensorsFile> shards)
    {
        Path = path; Index = index; this.shardOf = shardOf; this.shards = shards;
    }

    public static SafeTensorsIndex Open(string indexPath)
    {
        var index = ShardIndex.Read(indexPath);
        var files = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var shard in index.WeightMap.Values.Distinct(StringComparer.Ordinal))
            {
                string shardPath = index.ShardPath(shard);
                if (!File.Exists(shardPath)) throw new ClipNetException($"{indexPath}: shard '{shard}' is missing (looked for {shardPath})");
                files[shard] = SafeTensorsFile.Open(shardPath);
            }
            var shardOf = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var (name, shard) in index.WeightMap)
            {
                if (!files[shard].Tensors.ContainsKey(name))
                    throw new ClipNetException($"{indexPath}: the index puts tensor '{name}' in shard '{shard}', but that shard has no such tensor");
                shardOf[name] = files[shard];
            }
            return new SafeTensorsIndex(indexPath, index, shardOf, files.Values.ToList());
        }
        catch
        {
            foreach (var file in files.Values) file.Dispose();
            throw;
        }
    }

    public SafeTensorInfo Info(string name) => Shard(name).Info(name);

    public Tensor Load(string name) => Shard(name).Load(name);

    public byte[] ReadBytes(string name) => Shard(name).ReadBytes(name);

    SafeTensorsFile Shard(string name) =>
        shardOf.TryGetValue(name, out var file) ? file : throw new ClipNetException($"{Path}: no tensor named '{name}' in the weight map");

    public void Dispose()
    {
        foreach (var shard in shards) shard.Dispose();
    }
}
