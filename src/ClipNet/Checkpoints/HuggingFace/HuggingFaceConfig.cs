using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.IO;

namespace ClipNet.Checkpoints;

/// <summary>
/// Maps a Hugging Face `CLIPModel` `config.json` to a <see cref="ClipConfig"/> and back. Legacy hub configs
/// (`text_config_dict`/`vision_config_dict`, bos/eos 0/2) and missing fields are read as transformers reads
/// them: absent values take `CLIPTextConfig`/`CLIPVisionConfig` defaults, and an eos id of 2 means pooling at
/// `argmax(input_ids)`.
/// </summary>
public static class HuggingFaceConfig
{
    // transformers' defaults are ArchitectureDefaults; a legacy config's end token is id 2.
    const int LegacyEosTokenId = 2;

    public static ClipConfig Read(string path)
    {
        var root = JsonFile.ReadObject(path);
        try { return FromJson(root, path); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new ClipNetException($"{path}: invalid Hugging Face CLIP config ({e.Message})");
        }
    }

    public static ClipConfig FromJson(JsonObject root, string source = "config.json")
    {
        var text = (root["text_config"] ?? root["text_config_dict"]) as JsonObject ?? new JsonObject();
        var vision = (root["vision_config"] ?? root["vision_config_dict"]) as JsonObject ?? new JsonObject();

        int eos = JsonFile.Optional<int>(text, "eos_token_id", source) ?? ArchitectureDefaults.EndOfTextId;
        string textAct = (string?)text["hidden_act"] ?? "quick_gelu";
        string visionAct = (string?)vision["hidden_act"] ?? "quick_gelu";
        if (textAct != visionAct)
            throw new ClipNetException($"{source}: text ({textAct}) and vision ({visionAct}) activations differ; ClipNet uses one activation for both towers");
        if (textAct is not ("quick_gelu" or "gelu"))
            throw new ClipNetException($"{source}: unsupported hidden_act '{textAct}' (supported: quick_gelu, gelu)");

        int visionWidth = JsonFile.Optional<int>(vision, "hidden_size", source) ?? ArchitectureDefaults.VisionWidth;
        int visionHeads = JsonFile.Optional<int>(vision, "num_attention_heads", source) ?? ArchitectureDefaults.VisionWidth / ArchitectureDefaults.HeadWidth;
        // The image tower is configured by head width; a head count that does not divide the width has no such width.
        if (visionHeads <= 0 || visionWidth % visionHeads != 0)
            throw new ClipNetException($"{source}: invalid model config: vision_config.num_attention_heads {visionHeads} does not divide vision_config.hidden_size {visionWidth}");
        return new ClipConfig
        {
            EmbedDim = JsonFile.Optional<int>(root, "projection_dim", source) ?? ArchitectureDefaults.EmbedDim,
            QuickGelu = textAct == "quick_gelu",
            Text = new TextConfig
            {
                Width = JsonFile.Optional<int>(text, "hidden_size", source) ?? ArchitectureDefaults.TextWidth,
                MlpWidth = JsonFile.Optional<int>(text, "intermediate_size", source) ?? ArchitectureDefaults.TextWidth * ArchitectureDefaults.MlpRatio,
                Layers = JsonFile.Optional<int>(text, "num_hidden_layers", source) ?? ArchitectureDefaults.TextLayers,
                Heads = JsonFile.Optional<int>(text, "num_attention_heads", source) ?? ArchitectureDefaults.TextHeads,
                ContextLength = JsonFile.Optional<int>(text, "max_position_embeddings", source) ?? ArchitectureDefaults.ContextLength,
                VocabSize = JsonFile.Optional<int>(text, "vocab_size", source) ?? ArchitectureDefaults.VocabSize,
                LayerNormEps = JsonFile.Optional<double>(text, "layer_norm_eps", source) ?? ArchitectureDefaults.LayerNormEps,
                Pooling = eos == LegacyEosTokenId ? TextPooling.Argmax : TextPooling.FirstEndOfText,
                EndOfTextId = eos == LegacyEosTokenId ? ArchitectureDefaults.EndOfTextId : eos,
            },
            Vision = new VisionConfig
            {
                Width = visionWidth,
                HeadWidth = visionWidth / visionHeads,
                MlpWidth = JsonFile.Optional<int>(vision, "intermediate_size", source) ?? ArchitectureDefaults.VisionWidth * ArchitectureDefaults.MlpRatio,
                Layers = JsonFile.Optional<int>(vision, "num_hidden_layers", source) ?? ArchitectureDefaults.VisionLayers,
                ImageSize = JsonFile.Optional<int>(vision, "image_size", source) ?? ArchitectureDefaults.ImageSize,
                PatchSize = JsonFile.Optional<int>(vision, "patch_size", source) ?? ArchitectureDefaults.PatchSize,
                LayerNormEps = JsonFile.Optional<double>(vision, "layer_norm_eps", source) ?? ArchitectureDefaults.LayerNormEps,
            },
        }.Validated(source);
    }

    /// <summary>The `config.json` transformers expects for a `CLIPModel` (ViT image tower only: transformers has no ModifiedResNet).</summary>
    public static JsonObject ToJson(ClipConfig config)
    {
        if (!config.Vision.IsVisionTransformer)
            throw new ClipNetException("a Hugging Face CLIPModel folder needs a Vision Transformer image tower; transformers has no ModifiedResNet (convert ResNet models to openclip instead)");
        string act = config.QuickGelu ? "quick_gelu" : "gelu";
        var text = config.Text;
        var vision = config.Vision;
        return new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"),
            ["model_type"] = "clip",
            ["projection_dim"] = config.EmbedDim,
            ["logit_scale_init_value"] = ArchitectureDefaults.HuggingFaceLogitScaleInit,
            ["initializer_factor"] = 1.0,
            ["torch_dtype"] = "float32",
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "clip_text_model",
                ["vocab_size"] = text.VocabSize,
                ["hidden_size"] = text.Width,
                ["intermediate_size"] = text.EffectiveMlpWidth,
                ["projection_dim"] = config.EmbedDim,
                ["num_hidden_layers"] = text.Layers,
                ["num_attention_heads"] = text.Heads,
                ["max_position_embeddings"] = text.ContextLength,
                ["hidden_act"] = act,
                ["layer_norm_eps"] = text.LayerNormEps,
                ["attention_dropout"] = 0.0,
                ["initializer_range"] = 0.02,
                ["initializer_factor"] = 1.0,
                // With CLIP's vocabulary the end token has the highest id, so argmax pooling and pooling at the
                // first end token pick the same position: the modern ids describe both.
                ["bos_token_id"] = ArchitectureDefaults.StartOfTextId,
                ["eos_token_id"] = text.EndOfTextId,
                ["pad_token_id"] = 1,
            },
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "clip_vision_model",
                ["hidden_size"] = vision.Width,
                ["intermediate_size"] = vision.EffectiveMlpWidth,
                ["projection_dim"] = config.EmbedDim,
                ["num_hidden_layers"] = vision.Layers,
                ["num_attention_heads"] = vision.Heads,
                ["num_channels"] = 3,
                ["image_size"] = vision.ImageSize,
                ["patch_size"] = vision.PatchSize,
                ["hidden_act"] = act,
                ["layer_norm_eps"] = vision.LayerNormEps,
                ["attention_dropout"] = 0.0,
                ["initializer_range"] = 0.02,
                ["initializer_factor"] = 1.0,
            },
        };
    }
}
