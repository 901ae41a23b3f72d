using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// Loads a CLIP model from a file or folder in any supported format. The architecture comes from, in order:
/// a Hugging Face `config.json`, the `open_clip_config` metadata of a safetensors file, an `open_clip_config.json`,
/// for an open_clip training checkpoint its run's `params.txt` (<see cref="OpenClipTrainingLog"/>), or the tensor
/// shapes. Tokenizer files and `preprocessor_config.json` are used when the folder has them; otherwise the standard CLIP vocabulary and the CLIP mean/std at the model's image size. Hub and open_clip names
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

        var warnings = new List<string>();
        var (config, preprocessor, configSource) = architecture is var (fixedConfig, fixedPreprocessor)
            ? (fixedConfig.Validated(path), fixedPreprocessor, $"the architecture named for {path}")
            : ResolveConfig(folder, stateDict, weights, huggingFace, warnings);
        // Checked before the model is built, so a config that disagrees with the weights (or asks for 10^9
        // layers) is refused without allocating anything of its size.
        if (configSource != stateDict.SourcePath) ArchitectureInference.CheckAgainst(config, configSource, weights, stateDict.SourcePath);
        string preprocessorConfig = Path.Combine(folder, "preprocessor_config.json");
        if (architecture is null && File.Exists(preprocessorConfig)) preprocessor = ImagePreprocessor.FromPreprocessorConfig(preprocessorConfig);

        string vocab = Path.Combine(folder, "vocab.json"), merges = Path.Combine(folder, "merges.txt");
        var tokenizer = File.Exists(vocab) && File.Exists(merges) ? ClipTokenizer.FromFiles(vocab, merges) : ClipTokenizer.Default;
        CheckTokenizer(config, configSource, tokenizer, File.Exists(vocab) ? vocab : "the standard CLIP vocabulary");

        var model = new ClipModel(config, ParameterFactory.Uninitialized(dtype));
        // Weights that are converted (a bf16 load of float32 files) give their mapped pages back one by one.
        WeightAssignment.Assign(model, weights, stateDict.SourcePath, device: device, copied: MappedPages.OfThisProcess().Release);
        model.eval();
        return new LoadedModel(model, tokenizer, preprocessor, stateDict.Format, stateDict.SourcePath) { Warnings = warnings };
    }

    /// <summary>
    /// The tokenizer must be able to produce what the model reads: ids inside the embedding table, and the
    /// end-of-text id the text tower pools at. Otherwise every text would pool at the same position and embed
    /// identically, or look up a row the table does not have.
    /// </summary>
    static void CheckTokenizer(ClipConfig config, string configSource, ClipTokenizer tokenizer, string tokenizerSource)
    {
        if (tokenizer.VocabularySize > config.Text.VocabSize)
            throw new ClipNetException($"{tokenizerSource} has {tokenizer.VocabularySize} tokens but {configSource} gives the model an embedding table of {config.Text.VocabSize}");
        if (config.Text.Pooling == TextPooling.FirstEndOfText && config.Text.EndOfTextId != tokenizer.EndOfText)
            throw new ClipNetException($"{configSource}: the end-of-text id {config.Text.EndOfTextId} is not the tokenizer's ({tokenizer.EndOfText} in {tokenizerSource}); every text would pool at the same position");
    }

    static (ClipConfig Config, ImagePreprocessor Preprocessor, string Source) ResolveConfig(
        string folder, StateDict stateDict, IReadOnlyDictionary<string, Tensor> weights, bool huggingFace, List<string> warnings)
    {
        string hfConfig = Path.Combine(folder, "config.json");
        if (huggingFace && File.Exists(hfConfig))
        {
            var config = HuggingFaceConfig.Read(hfConfig);
            return (config, new ImagePreprocessor(config.Vision.ImageSize), hfConfig);
        }
        // A config inside the weights file belongs to it for certain; one beside it may belong to another file in
        // the folder, so it comes second, and CheckAgainst refuses it when it does not describe these weights.
        if (stateDict.Metadata.TryGetValue(OpenClipConfigFile.MetadataKey, out var embedded))
        {
            string source = $"{stateDict.SourcePath} (metadata '{OpenClipConfigFile.MetadataKey}')";
            var (config, preprocessor) = OpenClipConfigFile.FromMetadata(embedded, source);
            return (config, preprocessor, source);
        }
        string openClipConfig = Path.Combine(folder, OpenClipConfigFile.FileName);
        if (File.Exists(openClipConfig))
        {
            var (config, preprocessor) = OpenClipConfigFile.Read(openClipConfig);
            return (config, preprocessor, openClipConfig);
        }

        if (OpenClipTrainingLog.IsTrainingCheckpoint(stateDict)) return OpenClipTrainingLog.Resolve(stateDict, weights, folder, warnings);

        // OpenAI's TorchScript archives were trained with QuickGELU; so were the OpenAI-named checkpoints this
        // fallback usually meets. A GELU model needs an open_clip_config.json beside it.
        var inferred = ArchitectureInference.Infer(weights, stateDict.SourcePath, quickGelu: true);
        if (stateDict.Metadata.TryGetValue("clip_config", out var clipConfig))
            inferred = WithOpenAIConstructorArguments(inferred, clipConfig, stateDict.SourcePath);
        else if (huggingFace)
        {
            // Hugging Face weights always come with config.json; without it the head counts are a guess. When the
            // shapes are those of a standard architecture its head counts are the right guess (no published model
            // shares a standard one's shapes with other heads), so that is a warning; any other shape is an error,
            // since a wrong head count loads without complaint and gives wrong embeddings.
            string? standard = ArchitectureInference.StandardArchitecture(inferred);
            if (standard is null)
                throw new ClipNetException($"{stateDict.SourcePath}: Hugging Face weights with no config.json beside them, and their shapes match no standard architecture, so the attention head counts cannot be known; put the model's config.json in {folder}");
            warnings.Add($"{stateDict.SourcePath}: no config.json beside these Hugging Face weights; using the head counts of {standard}, whose shapes they have");
        }
        return (inferred, new ImagePreprocessor(inferred.Vision.ImageSize), stateDict.SourcePath);
    }

    /// <summary>The `clip_config` metadata holds OpenAI `CLIP(...)` constructor arguments: the text head count is the one shapes cannot tell.</summary>
    static ClipConfig WithOpenAIConstructorArguments(ClipConfig inferred, string json, string source)
    {
        try
        {
            var arguments = JsonNode.Parse(json)!;
            return (int?)arguments?["transformer_heads"] is int heads ? (inferred with { Text = inferred.Text with { Heads = heads } }).Validated(source) : inferred;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new ClipNetException($"{source}: invalid clip_config metadata ({e.Message})");
        }
    }
}

/// <summary>A model with the tokenizer and preprocessing that belong to it, and where it came from.</summary>
public sealed record LoadedModel(ClipModel Model, ClipTokenizer Tokenizer, ImagePreprocessor Preprocessor, StateDictFormat Format, string Source)
{
    /// <summary>What loading had to guess (safely), for the caller to show.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
