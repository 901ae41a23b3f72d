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
    /// <summary>
    /// Every tensor attribute of the module tree, named by its dotted path (`visual.conv1.weight`).
    /// In a traced module, which is how OpenAI's archives were made, tensor attributes are exactly the
    /// parameters and buffers. A scripted module may also hold plain tensor attributes; they are
    /// returned too, since telling them apart would mean reading the archive's code.
    /// </summary>
    public static List<KeyValuePair<string, TensorReference>> Tensors(ScriptObject root)
    {
        var tensors = new List<KeyValuePair<string, TensorReference>>();
        Collect(root, "", tensors, new HashSet<ScriptObject>());
        return tensors;
    }

    static void Collect(ScriptObject module, string prefix, List<KeyValuePair<string, TensorReference>> tensors, HashSet<ScriptObject> visited)
    {
        if (!visited.Add(module)) return;
        foreach (var (key, value) in module.Attributes.Entries)
        {
            if (key is not string name) continue;
            if (value is TensorReference tensor) tensors.Add(new(prefix + name, tensor));
            else if (value is ScriptObject child) Collect(child, prefix + name + ".", tensors, visited);
        }
    }
}
