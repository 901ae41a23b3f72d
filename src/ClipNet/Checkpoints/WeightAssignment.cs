using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// Puts a state dict's tensors into a module by name. Parameters are re-pointed at the source tensors
/// (`set_`), so weights memory-mapped from a safetensors file are used in place, not copied; a copy is made
/// only where the dtype or device has to change. Each parameter keeps its own type, so a model built for
/// loading (<see cref="ClipNet.Model.ParameterFactory.Uninitialized"/>) already has the types it should end with.
/// </summary>
public static class WeightAssignment
{
    /// <summary>Keys that checkpoints carry but that are not weights (OpenAI's TorchScript hyper-parameters, HF position ids).</summary>
    static bool IsIgnorable(string key) =>
        key is "input_resolution" or "context_length" or "vocab_size" ||
        key.EndsWith("position_ids") || key.EndsWith("attn_mask");

    /// <param name="floatType">Converts the module's floating-point tensors first (a copy of each); null keeps their types.</param>
    /// <param name="copied">Called with each source tensor whose data was copied (converted or moved) rather than used in place.</param>
    public static void Assign(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourceName,
        ScalarType? floatType = null, Device? device = null, Action<Tensor>? copied = null)
    {
        // set_ re-points storage but keeps the target's dtype, so the module must already have the wanted types.
        if (floatType is ScalarType type) module.to(type);
        if (device is not null) module.to(device);
        var targets = module.named_parameters().Select(p => (p.name, tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, tensor: b.buffer)))
            .ToList();

        var missing = targets.Where(t => !source.ContainsKey(t.name)).Select(t => t.name).ToList();
        if (missing.Count > 0)
            throw new ClipNetException($"{sourceName}: missing tensor{(missing.Count > 1 ? "s" : "")} {Describe(missing)}");
        var known = targets.Select(t => t.name).ToHashSet();
        var unexpected = source.Keys.Where(k => !known.Contains(k) && !IsIgnorable(k)).ToList();
        if (unexpected.Count > 0)
            throw new ClipNetException($"{sourceName}: unexpected tensor{(unexpected.Count > 1 ? "s" : "")} {Describe(unexpected)} (does the checkpoint match the architecture?)");

        foreach (var (name, target) in targets)
        {
            var value = source[name];
            if (!value.shape.SequenceEqual(target.shape))
                throw new ClipNetException(
                    $"{sourceName}: tensor '{name}' has shape [{string.Join(", ", value.shape)}] but the model expects [{string.Join(", ", target.shape)}]");
        }

        using var _ = torch.no_grad();
        foreach (var (name, target) in targets)
        {
            var value = source[name];
            bool inPlace = value.dtype == target.dtype && value.device_type == target.device_type && value.device_index == target.device_index;
            target.set_(inPlace ? value : value.to(target.dtype, target.device));
            if (!inPlace) copied?.Invoke(value);
        }
        // A ResNet frozen for inference holds BatchNorms folded from the weights it had.
        foreach (var resnet in module.modules().Append(module).Distinct().OfType<ModifiedResNet>().Where(r => r.IsFolded))
            resnet.FoldBatchNorms();
    }

    static string Describe(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
