namespace ClipNet.Checkpoints;

/// <summary>A TorchScript class named in an archive's data.pkl (`__torch__.clip.model.CLIP`).</summary>
sealed class ScriptClass(string name) : IPickleClass
{
    public string Name => name;
    public object New(object?[] args) => new ScriptObject(name);
}

/// <summary>An instance of a TorchScript class: only its attribute values, set by BUILD.</summary>
sealed class ScriptObject(string className) : IPickleStateful
{
    public string ClassName => className;
    public PickleDict Attributes { get; private set; } = new();

    public override string ToString() => $"a TorchScript '{className}' object";

    public void SetState(object? state) =>
        Attributes = state as PickleDict
            ?? throw new PickleException($"refused to unpickle: TorchScript object '{className}' has a custom state (__setstate__), which would need its code to run");
}

/// <summary>
/// The state dict of a TorchScript module (an archive written by `torch.jit.save`, like OpenAI's original
/// CLIP downloads), read from the module's pickled attributes without running its code.
/// </summary>
static class TorchScriptModule
{
    /// <summary>A real module tree is a few levels deep (`visual.transformer.resblocks.0.attn`); a crafted one is refused.</summary>
    const int MaxDepth = 64;

    /// <summary>
    /// Every tensor attribute of the module tree, named by its dotted path (`visual.conv1.weight`).
    /// In a traced module, which is how OpenAI's archives were made, tensor attributes are exactly the
    /// parameters and buffers. A scripted module may also hold plain tensor attributes; they are
    /// returned too, since telling them apart would mean reading the archive's code. The walk is
    /// iterative and depth-bounded, so a deeply nested tree cannot overflow the stack.
    /// </summary>
    public static List<KeyValuePair<string, TensorReference>> Tensors(ScriptObject root, string source)
    {
        var tensors = new List<KeyValuePair<string, TensorReference>>();
        var visited = new HashSet<ScriptObject>(ReferenceEqualityComparer.Instance) { root };
        // Each frame is a module, its dotted prefix and the next attribute to look at: a depth-first walk in
        // attribute order, as a recursive one would make, without the recursion.
        var path = new Stack<(ScriptObject Module, string Prefix, int Next)>();
        path.Push((root, "", 0));
        while (path.Count > 0)
        {
            var (module, prefix, next) = path.Pop();
            var entries = module.Attributes.Entries;
            if (next >= entries.Count) continue;
            path.Push((module, prefix, next + 1));
            if (entries[next] is not { Key: string name, Value: var value }) continue;
            if (value is TensorReference tensor) tensors.Add(new(prefix + name, tensor));
            else if (value is ScriptObject child && visited.Add(child))
            {
                if (path.Count >= MaxDepth)
                    throw new ClipNetException($"{source}: TorchScript modules nested more than {MaxDepth} deep (under '{prefix}{name}'); no real model is");
                path.Push((child, prefix + name + ".", 0));
            }
        }
        return tensors;
    }
}
