using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Model;
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

    public static void Export(Clip clip, ExportFormat format, string output)
    {
        if (format == ExportFormat.HuggingFace) WriteHuggingFace(clip, output);
        else WriteOpenClip(clip.Model, clip.Preprocessor, output);
    }

    /// <summary>A Hugging Face folder, written whole into a temporary folder and renamed into place.</summary>
    static void WriteHuggingFace(Clip clip, string folder)
    {
        var config = HuggingFaceConfig.ToJson(clip.Model.Config);   // refuses ResNet towers before anything is written
        AtomicFile.WriteDirectory(folder, temporary =>
        {
            var hf = HuggingFaceKeyMap.FromOpenAI(Weights(clip.Model)).ToDictionary(kv => kv.Key, kv => kv.Value.contiguous());
            SafeTensorsWriter.Write(Path.Combine(temporary, "model.safetensors"), hf, PyTorchMetadata);
            AtomicFile.WriteAllText(Path.Combine(temporary, "config.json"), config.ToJsonString(Indented));
            AtomicFile.WriteAllText(Path.Combine(temporary, "preprocessor_config.json"), Vision.PreprocessorConfigWriter.ToJson(clip.Preprocessor).ToJsonString(Indented));
            Text.HuggingFaceTokenizerFiles.Write(clip.Tokenizer.Vocabulary, temporary, clip.Model.Config.Text.ContextLength);
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

    static Dictionary<string, Tensor> Weights(ClipModel model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
}
