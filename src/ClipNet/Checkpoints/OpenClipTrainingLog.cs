using ClipNet.Model;
using ClipNet.Vision;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// The architecture of an open_clip training checkpoint (<c>logs/NAME/checkpoints/epoch_N.pt</c>, torch.save of
/// <c>{"epoch", "name", "state_dict", "optimizer"}</c>), which holds weights but no config. open_clip_train writes
/// the run's arguments one folder up, in <c>logs/NAME/params.txt</c> ("name: value" per line, sorted by name): its
/// <c>model</c> names the architecture in open_clip's model_configs and <c>force_quick_gelu</c> says whether
/// QuickGELU replaced that config's activation. Without params.txt the tensor shapes are read, as far as they go.
/// </summary>
public static class OpenClipTrainingLog
{
    public const string ParamsFileName = "params.txt";
    const long MaxParamsBytes = 1 << 20;   // a few kilobytes in practice
    const string QuickGeluSuffix = "-quickgelu";

    /// <summary>Whether the state dict came from an open_clip training checkpoint (its top level had an epoch).</summary>
    public static bool IsTrainingCheckpoint(StateDict stateDict) =>
        stateDict.Format == StateDictFormat.PyTorchZip && stateDict.Metadata.ContainsKey("epoch");

    /// <summary>
    /// The architecture of a training checkpoint without a config beside it: from the run's params.txt, else from
    /// the shapes when they are those of a built-in architecture (with GELU, as open_clip's configs without the
    /// -quickgelu suffix have; said in <paramref name="warnings"/>). Any other shapes cannot tell the head counts,
    /// and that is an error naming the checkpoint.
    /// </summary>
    public static (ClipConfig Config, ImagePreprocessor Preprocessor, string Source) Resolve(
        StateDict stateDict, IReadOnlyDictionary<string, Tensor> weights, string folder, List<string> warnings)
    {
        string? runFolder = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        string? paramsFile = runFolder is null ? null : Path.Combine(runFolder, ParamsFileName);
        if (paramsFile is not null && File.Exists(paramsFile))
        {
            var named = Architecture(paramsFile);
            return (named, new ImagePreprocessor(named.Vision.ImageSize), paramsFile);
        }

        string path = stateDict.SourcePath;
        var inferred = ArchitectureInference.Infer(weights, path, quickGelu: false);
        string? standard = ArchitectureInference.StandardArchitecture(inferred)?.Replace(QuickGeluSuffix, "", StringComparison.OrdinalIgnoreCase);
        if (standard is null)
            throw new ClipNetException(
                $"{path}: an open_clip training checkpoint with no {OpenClipConfigFile.FileName} beside it, no {ParamsFileName} above it " +
                $"({paramsFile ?? "none"}), and shapes of no built-in architecture, so its attention head counts cannot be known; " +
                $"name its architecture (`clip train --arch NAME|FILE.json`) or put its {OpenClipConfigFile.FileName} beside it");
        warnings.Add($"{path}: no {OpenClipConfigFile.FileName} beside it nor {ParamsFileName} above it; its shapes are {standard}'s, taken with GELU " +
                     $"as open_clip's {standard} config has (give --arch {standard}{QuickGeluSuffix} if the run used QuickGELU)");
        return (inferred, new ImagePreprocessor(inferred.Vision.ImageSize), path);
    }

    /// <summary>The architecture a params.txt names: a built-in one, with QuickGELU when the run forced it.</summary>
    public static ClipConfig Architecture(string paramsFile)
    {
        long size = new FileInfo(paramsFile).Length;
        if (size > MaxParamsBytes) throw new ClipNetException($"{paramsFile}: {size} bytes; open_clip's params.txt is a few kilobytes");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(paramsFile))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0) values.TryAdd(line[..colon], line[(colon + 2)..].Trim());
        }
        string model = values.GetValueOrDefault("model")
            ?? throw new ClipNetException($"{paramsFile}: no 'model: …' line; open_clip_train writes the architecture it trained there");
        if (!ModelConfigs.All.TryGetValue(model, out var config))
            throw new ClipNetException(
                $"{paramsFile}: the run trained open_clip's '{model}', which is not a built-in architecture ({string.Join(", ", ModelConfigs.All.Keys.Order())}); " +
                $"give its model_configs JSON (`clip train --arch {model}.json`) or put its {OpenClipConfigFile.FileName} beside the checkpoint");
        return values.GetValueOrDefault("force_quick_gelu") == "True" ? (config with { QuickGelu = true }).Validated(paramsFile) : config;
    }
}
