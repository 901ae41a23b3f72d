using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// Loads a CLIP model from a file or folder in any supported format. The architecture comes from, in order:
/// a Hugging Face `config.json`, an `open_clip_config.json`, the `clip_config` metadata of a safetensors file,
/// or the tensor shapes. Tokenizer files and `preprocessor_config.json` are used when the folder has them;
/// otherwise the standard CLIP vocabulary and the CLIP mean/std at the model's image size. Hub and open_clip names
/// are read one level up, by ClipNet.Hub.ModelReference, which calls this with what it found.
/// </summary>
public static class ModelLoader
{
    /// <param name="architecture">Architecture and preprocessing to use instead of what the files say: an open_clip
    /// pretrained name fixes both, as open_clip builds it from its own config and pretrained table.</param>
    public static LoadedModel Load(string path, ScalarType dtype = ScalarType.Float32, Device? device = null,
        (ClipConfig Config, ImagePreprocessor Preprocessor)? architecture = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) throw new ClipNetException($"{path}: no such file or folder");
        string folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        using var stateDict = StateDictReader.Read(path);
        bool huggingFace = HuggingFaceKeyMap.UsesHuggingFaceNames(stateDict.Keys);
        IReadOnlyDictionary<string, Tensor> weights = huggingFace ? HuggingFaceKeyMap.ToOpenAI(stateDict) : stateDict;

        var (config, preprocessor) = architecture ?? ResolveConfig(folder, stateDict, weights, huggingFace);
        string preprocessorConfig = Path.Combine(folder, "preprocessor_config.json");
        if (architecture is null && File.Exists(preprocessorConfig)) preprocessor = ImagePreprocessor.FromPreprocessorConfig(preprocessorConfig);

        string vocab = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
        var tokenizer = File.Exists(vocab) && File.Exists(merges) ? ClipTokenizer.FromFiles(vocab, merges) : ClipTokenizer.Default;

        var model = new ClipModel(config, ParameterFactory.Uninitialized(dtype));
        WeightAssignment.Assign(model, weights, stateDict.SourcePath, device: device);
        model.eval();
        return new LoadedModel(model, tokenizer, preprocessor, stateDict.Format, stateDict.SourcePath);
    }

    static (ClipConfig, ImagePreprocessor) ResolveConfig(string folder, StateDict stateDict, IReadOnlyDictionary<string, Tensor> weights, bool huggingFace)
    {
        string hfConfig = Path.Combine(folder, "config.json");
        if (huggingFace && File.Exists(hfConfig))
        {
            var config = HuggingFaceConfig.Read(hfConfig);
            return (config, new ImagePreprocessor(config.Vision.ImageSize));
        }
        string openClipConfig = Path.Combine(folder, OpenClipConfigFile.FileName);
        if (File.Exists(openClipConfig)) return OpenClipConfigFile.Read(openClipConfig);

        // OpenAI's TorchScript archives were trained with QuickGELU; so were the OpenAI-named checkpoints this
        // fallback usually meets. A GELU model needs an open_clip_config.json beside it.
        var inferred = ArchitectureInference.Infer(weights, stateDict.SourcePath, quickGelu: true);
        if (stateDict.Metadata.TryGetValue("clip_config", out var clipConfig))
            inferred = WithOpenAIConstructorArguments(inferred, clipConfig, stateDict.SourcePath);
        return (inferred, new ImagePreprocessor(inferred.Vision.ImageSize));
    }

    /// <summary>The `clip_config` metadata holds OpenAI `CLIP(...)` constructor arguments: the text head count is the one shapes cannot tell.</summary>
    static ClipConfig WithOpenAIConstructorArguments(ClipConfig inferred, string json, string source)
    {
        try
        {
            var arguments = JsonNode.Parse(json)!;
            return (int?)arguments["transformer_heads"] is int heads ? inferred with { Text = inferred.Text with { Heads = heads } } : inferred;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ClipNetException($"{source}: invalid clip_config metadata ({e.Message})");
        }
    }
}

/// <summary>A model with the tokenizer and preprocessing that belong to it, and where it came from.</summary>
public sealed record LoadedModel(ClipModel Model, ClipTokenizer Tokenizer, ImagePreprocessor Preprocessor, StateDictFormat Format, string Source);
