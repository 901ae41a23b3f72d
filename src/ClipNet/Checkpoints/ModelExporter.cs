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
        RefuseToReplaceOtherFiles(folder);
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
    /// The one OpenCLIP writer, for `clip convert` and training checkpoints alike: OpenCLIP-named safetensors and
    /// `open_clip_config.json` in the hub layout (model_cfg + preprocess_cfg). <paramref name="output"/> is a folder,
    /// or a `.safetensors` file with the config written beside it.
    /// </summary>
    public static void WriteOpenClip(ClipModel model, ImagePreprocessor preprocessor, string output)
    {
        bool singleFile = output.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        string folder = singleFile ? Path.GetDirectoryName(Path.GetFullPath(output))! : output;
        string weightsPath = singleFile ? output : Path.Combine(folder, OpenClipWeightsFile);
        Directory.CreateDirectory(folder);
        SafeTensorsWriter.Write(weightsPath, Weights(model), PyTorchMetadata);
        AtomicFile.WriteAllText(Path.Combine(folder, OpenClipConfigFile.FileName),
            OpenClipConfigFile.ToJson(model.Config, preprocessor).ToJsonString(Indented));
    }

    static readonly HashSet<string> HuggingFaceFolderFiles =
    [
        "model.safetensors", "config.json", "preprocessor_config.json", "vocab.json", "merges.txt",
        "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "pytorch_model.bin", "README.md", ".gitattributes",
    ];

    // The folder is replaced whole, so a folder holding anything but an earlier model would lose it.
    static void RefuseToReplaceOtherFiles(string folder)
    {
        if (File.Exists(folder)) throw new ClipNetException($"{folder}: is a file; a Hugging Face model is written as a folder");
        if (!Directory.Exists(folder)) return;
        var others = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Where(name => !HuggingFaceFolderFiles.Contains(name!)).ToList();
        if (others.Count > 0)
            throw new ClipNetException($"{folder}: already holds files that are not part of a Hugging Face model ({string.Join(", ", others.Take(3))}); choose a new or empty folder");
    }

    static Dictionary<string, Tensor> Weights(ClipModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
}
