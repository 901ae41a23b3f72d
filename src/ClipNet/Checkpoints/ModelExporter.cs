using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;
using static TorchSharp.torch;
using ClipNet.SafeTensors;
using ClipNet.IO;

namespace ClipNet.Checkpoints;

public enum ExportFormat { HuggingFace, OpenClip }

/// <summary>
/// Saves a loaded model as a Hugging Face `CLIPModel` folder (what `CLIPModel.from_pretrained` reads) or as
/// OpenCLIP safetensors with `open_clip_config.json`. Tensors are written as they are, so load → save → load is
/// bit-exact.
/// </summary>
public static class ModelExporter
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public const string OpenClipWeightsFile = "open_clip_model.safetensors";
    static readonly Dictionary<string, string> PyTorchMetadata = new() { ["format"] = "pt" };

    public static void Export(ClipModel model, ClipTokenizer tokenizer, ImagePreprocessor preprocessor, ExportFormat format, string output)
    {
        if (format == ExportFormat.HuggingFace) WriteHuggingFace(model, tokenizer, preprocessor, output);
        else WriteOpenClip(model, preprocessor, output);
    }

    /// <summary>A Hugging Face folder, written whole into a temporary folder and renamed into place.</summary>
    static void WriteHuggingFace(ClipModel model, ClipTokenizer tokenizer, ImagePreprocessor preprocessor, string folder)
    {
        var config = HuggingFaceConfig.ToJson(model.Config);   // refuses ResNet towers before anything is written
        RefuseToReplaceOtherFiles(folder, HuggingFaceFolderFiles, "a Hugging Face model");
        AtomicFile.WriteDirectory(folder, temporary =>
        {
            var hf = HuggingFaceKeyMap.FromOpenAI(Weights(model)).ToDictionary(kv => kv.Key, kv => kv.Value.contiguous());
            SafeTensorsWriter.Write(Path.Combine(temporary, "model.safetensors"), hf, PyTorchMetadata);
            AtomicFile.WriteAllText(Path.Combine(temporary, "config.json"), config.ToJsonString(Indented));
            AtomicFile.WriteAllText(Path.Combine(temporary, "preprocessor_config.json"), PreprocessorConfigWriter.ToJson(preprocessor).ToJsonString(Indented));
            HuggingFaceTokenizerFiles.Write(tokenizer.Vocabulary, temporary, model.Config.Text.ContextLength);
        });
    }

    /// <summary>
    /// The one OpenCLIP writer, for `clip convert` and training alike: OpenCLIP-named safetensors whose metadata
    /// carries the config (`open_clip_config`, hub layout: model_cfg + preprocess_cfg), so the weights describe
    /// themselves wherever they are copied. <paramref name="output"/> is a `.safetensors` file, written atomically
    /// and alone: a config file beside it would belong to the folder, and a second model written into the same
    /// folder would replace the first one's. Otherwise it is a folder (weights plus `open_clip_config.json`, which
    /// OpenCLIP's `local-dir:` loading reads), filled under a temporary name and renamed into place whole.
    /// </summary>
    public static void WriteOpenClip(ClipModel model, ImagePreprocessor preprocessor, string output)
    {
        string config = OpenClipConfigFile.ToJson(model.Config, preprocessor).ToJsonString(Indented);
        var metadata = new Dictionary<string, string>(PyTorchMetadata) { [OpenClipConfigFile.MetadataKey] = config };
        if (output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            SafeTensorsWriter.Write(output, Weights(model), metadata);
            return;
        }
        RefuseToReplaceOtherFiles(output, OpenClipFolderFiles, "an OpenCLIP model");
        AtomicFile.WriteDirectory(output, temporary => WriteOpenClipFiles(temporary, model, metadata, config));
    }

    /// <summary>The files of an OpenCLIP folder, written into <paramref name="folder"/> (which the caller makes atomic).</summary>
    public static void WriteOpenClipFiles(string folder, ClipModel model, ImagePreprocessor preprocessor)
    {
        string config = OpenClipConfigFile.ToJson(model.Config, preprocessor).ToJsonString(Indented);
        WriteOpenClipFiles(folder, model, new Dictionary<string, string>(PyTorchMetadata) { [OpenClipConfigFile.MetadataKey] = config }, config);
    }

    static void WriteOpenClipFiles(string folder, ClipModel model, Dictionary<string, string> metadata, string config)
    {
        SafeTensorsWriter.Write(Path.Combine(folder, OpenClipWeightsFile), Weights(model), metadata);
        AtomicFile.WriteAllText(Path.Combine(folder, OpenClipConfigFile.FileName), config);
    }

    static readonly HashSet<string> OpenClipFolderFiles = [OpenClipWeightsFile, OpenClipConfigFile.FileName, "README.md", ".gitattributes"];

    static readonly HashSet<string> HuggingFaceFolderFiles =
    [
        "model.safetensors", "config.json", "preprocessor_config.json", "vocab.json", "merges.txt",
        "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "pytorch_model.bin", "README.md", ".gitattributes",
    ];

    // The folder is replaced whole, so a folder holding anything but an earlier model would lose it.
    static void RefuseToReplaceOtherFiles(string folder, HashSet<string> modelFiles, string what)
    {
        if (File.Exists(folder)) throw new ClipNetException($"{folder}: is a file; {what} is written as a folder");
        if (!Directory.Exists(folder)) return;
        var others = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Where(name => !modelFiles.Contains(name!)).ToList();
        if (others.Count > 0)
            throw new ClipNetException($"{folder}: already holds files that are not part of {what} ({string.Join(", ", others.Take(3))}); choose a new or empty folder");
    }

    static Dictionary<string, Tensor> Weights(ClipModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
}
