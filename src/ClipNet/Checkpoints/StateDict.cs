using System.Collections;
using System.Diagnostics.CodeAnalysis;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// The tensors of a checkpoint by name, in file order, with where they came from. Tensors read from
/// safetensors files and uncompressed PyTorch archives are memory-mapped views of the file, so they
/// hold the file's element types (OpenAI's TorchScript archives are float16); disposing the state dict
/// disposes its tensors.
/// </summary>
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    readonly Dictionary<string, Tensor> tensors;
    readonly List<string> order;

    public string SourcePath { get; }
    public StateDictFormat Format { get; }
    /// <summary>Safetensors `__metadata__`, a shard index's `metadata`, or a training checkpoint's scalar fields (`epoch`, `name`).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public StateDict(IEnumerable<KeyValuePair<string, Tensor>> tensors, StateDictFormat format, string sourcePath, IReadOnlyDictionary<string, string>? metadata = null)
    {
        this.tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        order = new List<string>();
        foreach (var (name, tensor) in tensors)
        {
            if (!this.tensors.TryAdd(name, tensor)) throw new ClipNetException($"{sourcePath}: tensor '{name}' appears twice");
            order.Add(name);
        }
        Format = format;
        SourcePath = sourcePath;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary>The named tensor; a missing name is a user-facing error that names the checkpoint.</summary>
    public Tensor this[string key] =>
        tensors.TryGetValue(key, out var tensor) ? tensor : throw new ClipNetException($"{SourcePath}: no tensor named '{key}'");

    public IEnumerable<string> Keys => order;
    public IEnumerable<Tensor> Values => order.Select(k => tensors[k]);
    public int Count => order.Count;
    public bool ContainsKey(string key) => tensors.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => tensors.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => order.Select(k => new KeyValuePair<string, Tensor>(k, tensors[k])).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var tensor in tensors.Values) tensor.Dispose();
    }
}

/// <summary>The kind of file a <see cref="StateDict"/> was read from.</summary>
public enum StateDictFormat
{
    /// <summary>A single `.safetensors` file.</summary>
    SafeTensors,
    /// <summary>A `model.safetensors.index.json` and its shards.</summary>
    ShardedSafeTensors,
    /// <summary>A `torch.save` zip archive (`.pt`, `.pth`, `.bin`), OpenCLIP and transformers checkpoints included.</summary>
    PyTorchZip,
    /// <summary>A `pytorch_model.bin.index.json` and its `torch.save` shards.</summary>
    ShardedPyTorchZip,
    /// <summary>A `torch.jit.save` archive, such as OpenAI's original CLIP downloads (fp16 weights).</summary>
    TorchScript,
}
