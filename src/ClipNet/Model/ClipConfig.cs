using System.Text.Json.Nodes;

namespace ClipNet.Model;

/// <summary>Which input position the text tower pools from.</summary>
public enum TextPooling
{
    /// <summary>The first end-of-text token (id <see cref="TextConfig.EndOfTextId"/>).</summary>
    FirstEndOfText,
    /// <summary>`argmax(input_ids)`: what OpenAI's code does, and what transformers does for legacy configs (eos id 2).</summary>
    Argmax,
}

/// <summary>
/// The one home of architecture defaults: what a field takes when a config file leaves it out. OpenAI's ViT-B/32,
/// transformers' CLIPTextConfig/CLIPVisionConfig and OpenCLIP's CLIPVisionCfg/CLIPTextCfg agree on all of them
/// except the patch size, which OpenCLIP's dataclass defaults to 16.
/// </summary>
public static class ArchitectureDefaults
{
    public const int EmbedDim = 512;
    public const int ImageSize = 224;
    public const int VisionWidth = 768;
    public const int VisionLayers = 12;
    public const int HeadWidth = 64;
    public const int PatchSize = 32;
    public const int OpenClipPatchSize = 16;
    public const int ContextLength = 77;
    public const int VocabSize = 49408;
    public const int TextWidth = 512;
    public const int TextHeads = 8;
    public const int TextLayers = 12;
    public const int MlpRatio = 4;
    public const double LayerNormEps = 1e-5;
    public const int StartOfTextId = 49406;
    public const int EndOfTextId = 49407;
    /// <summary>The paper's initial temperature τ = 0.07, stored as ln(1/τ).</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);
    /// <summary>transformers' CLIPConfig default for the same value, ln(1/0.07) cut to four decimals.</summary>
    public const double HuggingFaceLogitScaleInit = 2.6592;
}

/// <summary>
/// The image tower. A Vision Transformer when <see cref="PatchSize"/> is set, else OpenAI's ModifiedResNet with
/// <see cref="ResNetLayers"/> bottlenecks per stage.
/// </summary>
public sealed record VisionConfig
{
    public int ImageSize { get; init; } = ArchitectureDefaults.ImageSize;
    public int Width { get; init; } = ArchitectureDefaults.VisionWidth;
    public int Layers { get; init; } = ArchitectureDefaults.VisionLayers;
    public int[]? ResNetLayers { get; init; }
    public int? PatchSize { get; init; } = ArchitectureDefaults.PatchSize;
    public int HeadWidth { get; init; } = ArchitectureDefaults.HeadWidth;
    public int? MlpWidth { get; init; }
    public double LayerNormEps { get; init; } = ArchitectureDefaults.LayerNormEps;

    public bool IsVisionTransformer => PatchSize is not null;
    public int EffectiveMlpWidth => MlpWidth ?? Width * ArchitectureDefaults.MlpRatio;

    /// <summary>Attention heads: width / head width, where the ResNet's attention pool works on 32 × width channels.</summary>
    public int Heads => IsVisionTransformer ? Width / HeadWidth : Width * 32 / HeadWidth;
}

public sealed record TextConfig
{
    public int ContextLength { get; init; } = ArchitectureDefaults.ContextLength;
    public int VocabSize { get; init; } = ArchitectureDefaults.VocabSize;
    public int Width { get; init; } = ArchitectureDefaults.TextWidth;
    public int Heads { get; init; } = ArchitectureDefaults.TextHeads;
    public int Layers { get; init; } = ArchitectureDefaults.TextLayers;
    public int? MlpWidth { get; init; }
    public double LayerNormEps { get; init; } = ArchitectureDefaults.LayerNormEps;
    public TextPooling Pooling { get; init; } = TextPooling.Argmax;
    public int EndOfTextId { get; init; } = ArchitectureDefaults.EndOfTextId;

    public int EffectiveMlpWidth => MlpWidth ?? Width * ArchitectureDefaults.MlpRatio;
}

/// <summary>
/// A CLIP architecture as data: both towers, the shared embedding width and the MLP activation. Read and
/// written in OpenCLIP's model-config JSON (`embed_dim`, `quick_gelu`, `vision_cfg`, `text_cfg`).
/// </summary>
public sealed record ClipConfig
{
    public int EmbedDim { get; init; } = ArchitectureDefaults.EmbedDim;
    public VisionConfig Vision { get; init; } = new();
    public TextConfig Text { get; init; } = new();
    /// <summary>OpenAI's models use QuickGELU (x·σ(1.702x)); OpenCLIP's own trainings use exact GELU.</summary>
    public bool QuickGelu { get; init; } = true;
    /// <summary>Set for models trained with SigLIP's sigmoid loss, which learns a bias next to the scale.</summary>
    public double? InitLogitBias { get; init; }

    public static ClipConfig FromOpenClipJson(JsonNode json, string source)
    {
        try
        {
            var vision = json["vision_cfg"] ?? throw new ClipNetException($"{source}: missing 'vision_cfg'");
            var text = json["text_cfg"] ?? throw new ClipNetException($"{source}: missing 'text_cfg'");
            var layers = vision["layers"];
            bool isResNet = layers is JsonArray;
            int visionWidth = (int?)vision["width"] ?? ArchitectureDefaults.VisionWidth;
            int textWidth = (int?)text["width"] ?? ArchitectureDefaults.TextWidth;
            return new ClipConfig
            {
                EmbedDim = (int?)json["embed_dim"] ?? throw new ClipNetException($"{source}: missing 'embed_dim'"),
                QuickGelu = (bool?)json["quick_gelu"] ?? false,
                InitLogitBias = (double?)json["init_logit_bias"],
                Vision = new VisionConfig
                {
                    ImageSize = ImageSizeOf(vision["image_size"]),
                    Width = visionWidth,
                    Layers = isResNet ? 0 : (int?)layers ?? ArchitectureDefaults.VisionLayers,
                    ResNetLayers = isResNet ? layers!.AsArray().Select(l => (int)l!).ToArray() : null,
                    PatchSize = isResNet ? null : (int?)vision["patch_size"] ?? ArchitectureDefaults.OpenClipPatchSize,
                    HeadWidth = (int?)vision["head_width"] ?? ArchitectureDefaults.HeadWidth,
                    MlpWidth = (double?)vision["mlp_ratio"] is double r ? (int)(visionWidth * r) : null,
                    LayerNormEps = LayerNormEpsOf(vision),
                },
                Text = new TextConfig
                {
                    ContextLength = (int?)text["context_length"] ?? ArchitectureDefaults.ContextLength,
                    VocabSize = (int?)text["vocab_size"] ?? ArchitectureDefaults.VocabSize,
                    Width = textWidth,
                    Heads = (int?)text["heads"] ?? ArchitectureDefaults.TextHeads,
                    Layers = (int?)text["layers"] ?? ArchitectureDefaults.TextLayers,
                    MlpWidth = (double?)text["mlp_ratio"] is double tr ? (int)(textWidth * tr) : null,
                    LayerNormEps = LayerNormEpsOf(text),
                },
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ClipNetException($"{source}: invalid OpenCLIP model config ({e.Message})");
        }
    }

    // OpenCLIP passes norm_kwargs to its LayerNorm (`{"eps": 1e-6}` in the SigLIP configs); files written before
    // ClipNet followed that say "layer_norm_eps", which OpenCLIP itself refuses.
    static double LayerNormEpsOf(JsonNode tower) =>
        (double?)tower["norm_kwargs"]?["eps"] ?? (double?)tower["layer_norm_eps"] ?? ArchitectureDefaults.LayerNormEps;

    static JsonObject NormKwargs(double eps) => new() { ["eps"] = eps };

    // OpenCLIP allows a square size or [height, width]; only square images are supported here.
    static int ImageSizeOf(JsonNode? node) => node switch
    {
        null => ArchitectureDefaults.ImageSize,
        JsonArray a when a.Count == 2 && (int)a[0]! == (int)a[1]! => (int)a[0]!,
        JsonArray => throw new ClipNetException("non-square image_size is not supported"),
        _ => (int)node,
    };

    public JsonObject ToOpenClipJson()
    {
        var vision = new JsonObject { ["image_size"] = Vision.ImageSize };
        if (Vision.IsVisionTransformer)
        {
            vision["layers"] = Vision.Layers;
            vision["width"] = Vision.Width;
            vision["patch_size"] = Vision.PatchSize;
            if (Vision.MlpWidth is int vm && vm != Vision.Width * ArchitectureDefaults.MlpRatio) vision["mlp_ratio"] = (double)vm / Vision.Width;
        }
        else
        {
            vision["layers"] = new JsonArray(Vision.ResNetLayers!.Select(l => (JsonNode)l).ToArray());
            vision["width"] = Vision.Width;
            vision["patch_size"] = null;
        }
        if (Vision.HeadWidth != ArchitectureDefaults.HeadWidth) vision["head_width"] = Vision.HeadWidth;
        if (Vision.LayerNormEps != ArchitectureDefaults.LayerNormEps) vision["norm_kwargs"] = NormKwargs(Vision.LayerNormEps);

        var text = new JsonObject
        {
            ["context_length"] = Text.ContextLength, ["vocab_size"] = Text.VocabSize, ["width"] = Text.Width,
            ["heads"] = Text.Heads, ["layers"] = Text.Layers,
        };
        if (Text.MlpWidth is int tm && tm != Text.Width * ArchitectureDefaults.MlpRatio) text["mlp_ratio"] = (double)tm / Text.Width;
        if (Text.LayerNormEps != ArchitectureDefaults.LayerNormEps) text["norm_kwargs"] = NormKwargs(Text.LayerNormEps);

        var json = new JsonObject { ["embed_dim"] = EmbedDim };
        if (QuickGelu) json["quick_gelu"] = true;
        if (InitLogitBias is double bias) json["init_logit_bias"] = bias;
        json["vision_cfg"] = vision;
        json["text_cfg"] = text;
        return json;
    }
}
