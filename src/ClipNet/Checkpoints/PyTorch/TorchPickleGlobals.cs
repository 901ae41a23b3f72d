using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// The only Python globals a PyTorch checkpoint may name, and what each one means here. This is the
/// whole trust boundary of .pt loading: anything not listed is refused by the unpickler.
/// </summary>
static class TorchPickleGlobals
{
    static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["DoubleStorage"] = ScalarType.Float64, ["FloatStorage"] = ScalarType.Float32,
        ["HalfStorage"] = ScalarType.Float16, ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32, ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
    };

    static readonly Dictionary<(string Module, string Name), object> Allowed = new()
    {
        [("collections", "OrderedDict")] = new PickleFunction("collections.OrderedDict", NewOrderedDict),
        [("torch._utils", "_rebuild_tensor_v2")] = new PickleFunction("torch._utils._rebuild_tensor_v2", RebuildTensor),
        [("torch._utils", "_rebuild_tensor")] = new PickleFunction("torch._utils._rebuild_tensor", RebuildTensor),
        [("torch._utils", "_rebuild_parameter")] = new PickleFunction("torch._utils._rebuild_parameter", RebuildParameter),
        [("torch._utils", "_rebuild_parameter_with_state")] = new PickleFunction("torch._utils._rebuild_parameter_with_state", RebuildParameter),
        [("torch._tensor", "_rebuild_from_type_v2")] = new PickleFunction("torch._tensor._rebuild_from_type_v2", RebuildFromType),
        [("torch", "Tensor")] = new TorchTensorType("torch.Tensor"),
        [("torch.nn.parameter", "Parameter")] = new TorchTensorType("torch.nn.parameter.Parameter"),
        [("torch", "device")] = new PickleFunction("torch.device", Device),
        // TorchScript wraps typed list attributes in these; each returns its argument unchanged.
        [("torch.jit._pickle", "build_intlist")] = new PickleFunction("torch.jit._pickle.build_intlist", FirstArgument),
        [("torch.jit._pickle", "build_doublelist")] = new PickleFunction("torch.jit._pickle.build_doublelist", FirstArgument),
        [("torch.jit._pickle", "build_boollist")] = new PickleFunction("torch.jit._pickle.build_boollist", FirstArgument),
        [("torch.jit._pickle", "build_tensorlist")] = new PickleFunction("torch.jit._pickle.build_tensorlist", FirstArgument),
        [("torch.jit._pickle", "build_genericlist")] = new PickleFunction("torch.jit._pickle.build_genericlist", FirstArgument),
        [("torch.jit._pickle", "restore_type_tag")] = new PickleFunction("torch.jit._pickle.restore_type_tag", FirstArgument),
    };

    /// <summary>
    /// The value standing for <paramref name="module"/>.<paramref name="name"/>, or null when it is not
    /// allowed. TorchScript module classes (`__torch__.*`) are allowed only in TorchScript archives, and
    /// even there they are inert records of attributes: their code is never looked at.
    /// </summary>
    public static object? Resolve(string module, string name, bool allowScriptClasses)
    {
        if (Allowed.TryGetValue((module, name), out var value)) return value;
        if (module == "torch" && StorageTypes.TryGetValue(name, out var dtype)) return new TorchStorageType($"torch.{name}", dtype);
        if (allowScriptClasses && (module == "__torch__" || module.StartsWith("__torch__.", StringComparison.Ordinal)))
            return new ScriptClass($"{module}.{name}");
        return null;
    }

    static object NewOrderedDict(object?[] args)
    {
        var dict = new PickleDict();
        if (args.Length > 0 && args[0] is List<object?> pairs)
            foreach (var pair in pairs)
                if (pair is object?[] { Length: 2 } kv) dict.Set(kv[0], kv[1]);
                else if (pair is List<object?> { Count: 2 } list) dict.Set(list[0], list[1]);
                else throw new PickleException("corrupt pickle: OrderedDict built from something other than key/value pairs");
        return dict;
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    // and the older _rebuild_tensor(storage, storage_offset, size, stride).
    static object RebuildTensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not StorageReference storage)
            throw new PickleException("corrupt pickle: _rebuild_tensor called without a storage");
        return new TensorReference(storage, AsLong(args[1], "storage offset"), AsLongs(args[2], "size"), AsLongs(args[3], "stride"));
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks): a Parameter is its data for loading.
    static object RebuildParameter(object?[] args) =>
        args.Length > 0 && args[0] is TensorReference data ? data : throw new PickleException("corrupt pickle: _rebuild_parameter called without a tensor");

    // _rebuild_from_type_v2(func, new_type, args, state): how tensors with Python attributes are saved.
    static object? RebuildFromType(object?[] args)
    {
        if (args.Length < 3 || args[0] is not PickleFunction function || args[1] is not TorchTensorType || args[2] is not object?[] inner)
            throw new PickleException("refused to unpickle: _rebuild_from_type_v2 is only allowed to rebuild a plain tensor or parameter");
        return function.Call(inner);
    }

    // torch.device("cuda", 0): a type and an optional index. Anything longer is refused rather than joined, since
    // joining arbitrary values would let a pickle double a string with every call.
    static object Device(object?[] args) => args switch
    {
        [string type] when type.Length <= 64 => type,
        [string type, long index] when type.Length <= 64 => $"{type}:{index}",
        _ => throw new PickleException("corrupt pickle: torch.device takes a device type and an optional index"),
    };

    static object? FirstArgument(object?[] args) => args.Length > 0 ? args[0] : null;

    static long AsLong(object? value, string what) =>
        value is long l ? l : throw new PickleException($"corrupt pickle: tensor {what} is not an integer");

    static long[] AsLongs(object? value, string what) =>
        value is object?[] items ? items.Select(i => AsLong(i, what)).ToArray() : throw new PickleException($"corrupt pickle: tensor {what} is not a tuple");
}

/// <summary>An allow-listed Python function.</summary>
sealed class PickleFunction(string name, Func<object?[], object?> body) : IPickleCallable
{
    public string Name => name;
    public object? Call(object?[] args) => body(args);
}

/// <summary>`torch.FloatStorage` and friends: names the element type of a persistent storage.</summary>
sealed record TorchStorageType(string Name, ScalarType DType) : IPickleGlobal;

/// <summary>`torch.Tensor` or `torch.nn.Parameter` as a type argument; never instantiated.</summary>
sealed record TorchTensorType(string Name) : IPickleGlobal;
