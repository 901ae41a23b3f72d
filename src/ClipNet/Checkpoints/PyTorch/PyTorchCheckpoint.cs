using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Checkpoints;

/// <summary>
/// Reads the tensors of a PyTorch zip checkpoint without Python: `torch.save` archives (`.pt`, `.bin`,
/// OpenCLIP's `{"state_dict": ...}` training checkpoints) and `torch.jit.save` TorchScript archives. The
/// archive holds `&lt;name&gt;/data.pkl`, a pickle whose tensors refer by persistent id to raw storages
/// in `&lt;name&gt;/data/&lt;key&gt;`; TorchScript archives add `constants.pkl` and `code/`. The pickle
/// goes through <see cref="RestrictedUnpickler"/> with <see cref="TorchPickleGlobals"/>, so reading a
/// checkpoint never runs code. Stored (uncompressed) storages are memory-mapped, as PyTorch aligns them
/// for; compressed or misaligned ones are copied.
/// </summary>
static class PyTorchCheckpoint
{
    public static StateDict Read(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        if (!ZipDirectory.LooksLikeZip(path))
            throw new ClipNetException($"{path}: not a PyTorch zip checkpoint (no zip header); files written by torch.save before PyTorch 1.6 are not supported, re-save them with a newer PyTorch or convert them to safetensors");
        var zip = ZipDirectory.Read(path);
        var pickle = zip.Members.FirstOrDefault(m => m.Name.EndsWith("/data.pkl", StringComparison.Ordinal) && m.Name.IndexOf('/') == m.Name.Length - "/data.pkl".Length)
            ?? throw new ClipNetException($"{path}: not a PyTorch checkpoint: the zip archive has no <name>/data.pkl (members: {Preview(zip.Members.Select(m => m.Name))})");
        string prefix = pickle.Name[..^"data.pkl".Length];
        CheckByteOrder(zip, prefix);
        bool torchScript = zip.Find(prefix + "constants.pkl") is not null || zip.Members.Any(m => m.Name.StartsWith(prefix + "code/", StringComparison.Ordinal));

        var storages = new Dictionary<string, StorageReference>(StringComparer.Ordinal);
        object? root = RestrictedUnpickler.Load($"{path} ({pickle.Name})", zip.ReadAll(pickle, RestrictedUnpickler.MaxPickleBytes),
            (module, name) => TorchPickleGlobals.Resolve(module, name, allowScriptClasses: torchScript),
            id => PersistentStorage(id, storages));

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var references = torchScript ? ScriptTensors(path, root, metadata) : StateDictTensors(path, root, metadata);
        using var reader = new StorageReader(zip, prefix);
        var tensors = new List<KeyValuePair<string, Tensor>>(references.Count);
        try
        {
            foreach (var (name, reference) in references) tensors.Add(new(name, reference.Materialize(reader.Base)));
        }
        catch
        {
            foreach (var (_, tensor) in tensors) tensor.Dispose();
            throw;
        }
        return new StateDict(tensors, torchScript ? StateDictFormat.TorchScript : StateDictFormat.PyTorchZip, path, metadata);
    }

    static void CheckByteOrder(ZipDirectory zip, string prefix)
    {
        // Written since PyTorch 2.1; older archives are little-endian.
        if (zip.Find(prefix + "byteorder") is { } member && Encoding.ASCII.GetString(zip.ReadAll(member, 64)).Trim() is var order && order != "little")
            throw new ClipNetException($"{zip.Path}: the checkpoint's storages are '{order}'-endian; only little-endian checkpoints are supported");
    }

    // torch.save's persistent id: ('storage', storage type, key, location, element count). The location
    // (cpu, cuda:0) is ignored: everything loads on the CPU.
    static StorageReference PersistentStorage(object? id, Dictionary<string, StorageReference> storages)
    {
        if (id is not object?[] { Length: 5 } parts || parts[0] is not "storage" || parts[1] is not TorchStorageType type
            || parts[2] is not string key || parts[4] is not long count || count < 0)
            throw new PickleException("refused to unpickle: a persistent id that is not a PyTorch storage reference");
        if (storages.TryGetValue(key, out var known))
        {
            if (known.DType != type.DType || known.ElementCount != count)
                throw new PickleException($"corrupt checkpoint: storage '{key}' is referenced both as {known.DType}[{known.ElementCount}] and {type.DType}[{count}]");
            return known;
        }
        return storages[key] = new StorageReference(key, type.DType, count);
    }

    static List<KeyValuePair<string, TensorReference>> StateDictTensors(string path, object? root, Dictionary<string, string> metadata)
    {
        if (root is not PickleDict dict) throw new ClipNetException($"{path}: the checkpoint holds a {Describe(root)}, not a state dict");
        // OpenCLIP training checkpoints: {"epoch": n, "name": ..., "state_dict": {...}, "optimizer": {...}}.
        if (dict.TryGetValue("state_dict", out var inner) && inner is PickleDict stateDict)
        {
            foreach (var (key, value) in dict.Entries)
                if (key is string name && Scalar(value) is { } text) metadata[name] = text;
            dict = stateDict;
        }
        var tensors = dict.Entries
            .Where(e => e.Key is string && e.Value is TensorReference)
            .Select(e => new KeyValuePair<string, TensorReference>((string)e.Key!, (TensorReference)e.Value!))
            .ToList();
        if (tensors.Count == 0)
            throw new ClipNetException($"{path}: the checkpoint holds no tensors at its top level or under \"state_dict\" (keys: {Preview(dict.Entries.Select(e => Describe(e.Key)))})");
        return tensors;
    }

    static List<KeyValuePair<string, TensorReference>> ScriptTensors(string path, object? root, Dictionary<string, string> metadata)
    {
        if (root is not ScriptObject module) throw new ClipNetException($"{path}: the TorchScript archive holds a {Describe(root)}, not a module");
        metadata["torchscript_class"] = module.ClassName;
        var tensors = TorchScriptModule.Tensors(module, path);
        if (tensors.Count == 0) throw new ClipNetException($"{path}: the TorchScript module {module.ClassName} has no tensors");
        return tensors;
    }

    static string? Scalar(object? value) => value switch
    {
        string s => s,
        long or bool or System.Numerics.BigInteger => Convert.ToString(value, CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => null,
    };

    static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        PickleDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        ScriptObject o => o.ClassName,
        TensorReference => "tensor",
        _ => Scalar(value) ?? value.GetType().Name,
    };

    static string Preview(IEnumerable<string> names)
    {
        var list = names.Take(11).ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Take(10)) + (list.Count > 10 ? ", ..." : "");
    }

    /// <summary>Turns storage references into tensors over the archive's bytes.</summary>
    sealed class StorageReader(ZipDirectory zip, string prefix) : IDisposable
    {
        // As in SafeTensorsFile: one copy-on-write mapping of the whole archive per element type.
        readonly Dictionary<ScalarType, Tensor> mappings = new();
        readonly Dictionary<string, Tensor> copies = new(StringComparer.Ordinal);

        public (Tensor Base, long Start) Base(StorageReference storage)
        {
            string name = prefix + "data/" + storage.Key;
            var member = zip.Find(name) ?? throw new ClipNetException($"{zip.Path}: the pickle refers to storage '{storage.Key}' but the archive has no {name}");
            int elementSize = storage.DType.ElementSize();
            long needed = storage.ElementCount <= long.MaxValue / elementSize ? storage.ElementCount * elementSize
                : throw new ClipNetException($"{zip.Path}: storage {name} claims {storage.ElementCount} {storage.DType} elements, more bytes than a file can have");
            if (member.Size < needed)
                throw new ClipNetException($"{zip.Path}: storage {name} has {member.Size} bytes but the pickle needs {storage.ElementCount} {storage.DType} elements ({needed} bytes)");
            // torch.save writes each storage at exactly its size; a compressed one that claims more is not inflated.
            if (member.Method != ZipMember.Stored && member.Size != needed)
                throw new ClipNetException($"{zip.Path}: storage {name} declares {member.Size} bytes but the pickle's {storage.ElementCount} {storage.DType} elements are {needed} bytes");

            if (member.Method == ZipMember.Stored && member.DataOffset % elementSize == 0)
            {
                if (!mappings.TryGetValue(storage.DType, out var mapping))
                    mappings[storage.DType] = mapping = torch.from_file(zip.Path, shared: false, size: zip.FileLength / elementSize, dtype: storage.DType);
                return (mapping, member.DataOffset / elementSize);
            }
            if (!copies.TryGetValue(storage.Key, out var copy))
            {
                copies[storage.Key] = copy = RawTensors.FromBytes(zip.ReadAll(member, maxBytes: member.Size).AsSpan(0, (int)needed), storage.DType, [storage.ElementCount]);
            }
            return (copy, 0);
        }

        // The tensors handed out keep their storage alive; only these handles are released.
        public void Dispose()
        {
            foreach (var tensor in mappings.Values.Concat(copies.Values)) tensor.Dispose();
        }
    }
}
