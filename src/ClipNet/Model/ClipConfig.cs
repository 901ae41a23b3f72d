using System.Text.Json.Nodes;
using ClipNet.IO;

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
            int visionWidth = JsonFile.Optional<int>(vision, "width", source) ?? ArchitectureDefaults.VisionWidth;
            int textWidth = JsonFile.Optional<int>(text, "width", source) ?? ArchitectureDefaults.TextWidth;
            var config = new ClipConfig
            {
                EmbedDim = JsonFile.Optional<int>(json, "embed_dim", source) ?? throw new ClipNetException($"{source}: missing 'embed_dim'"),
                QuickGelu = JsonFile.Optional<bool>(json, "quick_gelu", source) ?? false,
                InitLogitBias = JsonFile.Optional<double>(json, "init_logit_bias", source),
                Vision = new VisionConfig
                {
                    ImageSize = ImageSizeOf(vision["image_size"]),
                    Width = visionWidth,
                    Layers = isResNet ? 0 : JsonFile.Optional<int>(vision, "layers", source) ?? ArchitectureDefaults.VisionLayers,
                    ResNetLayers = isResNet ? layers!.AsArray().Select(l => l is JsonValue depth ? (int)depth : throw new ClipNetException($"{source}: vision_cfg.layers must be 4 ints, got {layers.ToJsonString()}")).ToArray() : null,
                    PatchSize = isResNet ? null : JsonFile.Optional<int>(vision, "patch_size", source) ?? ArchitectureDefaults.OpenClipPatchSize,
                    HeadWidth = JsonFile.Optional<int>(vision, "head_width", source) ?? ArchitectureDefaults.HeadWidth,
                    MlpWidth = JsonFile.Optional<double>(vision, "mlp_ratio", source) is double r ? (int)(visionWidth * r) : null,
                    LayerNormEps = LayerNormEpsOf(vision, source),
                },
                Text = new TextConfig
                {
                    ContextLength = JsonFile.Optional<int>(text, "context_length", source) ?? ArchitectureDefaults.ContextLength,
                    VocabSize = JsonFile.Optional<int>(text, "vocab_size", source) ?? ArchitectureDefaults.VocabSize,
                    Width = textWidth,
                    Heads = JsonFile.Optional<int>(text, "heads", source) ?? ArchitectureDefaults.TextHeads,
                    Layers = JsonFile.Optional<int>(text, "layers", source) ?? ArchitectureDefaults.TextLayers,
                    MlpWidth = JsonFile.Optional<double>(text, "mlp_ratio", source) is double tr ? (int)(textWidth * tr) : null,
                    LayerNormEps = LayerNormEpsOf(text, source),
                },
            };
            return config.Validated(source);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException or InvalidCastException)
        {
            throw new ClipNetException($"{source}: invalid OpenCLIP model config ({e.Message})");
        }
    }

    // OpenCLIP passes norm_kwargs to its LayerNorm (`{"eps": 1e-6}` in the SigLIP configs); files written before
    // ClipNet followed that say "layer_norm_eps", which OpenCLIP itself refuses.
    static double LayerNormEpsOf(JsonNode tower, string source) =>
        JsonFile.Optional<double>(tower["norm_kwargs"], "eps", source)
        ?? JsonFile.Optional<double>(tower, "layer_norm_eps", source) ?? ArchitectureDefaults.LayerNormEps;

    static JsonObject NormKwargs(double eps) => new() { ["eps"] = eps };

    // Bounds far above any published CLIP (ViT-bigG/14: width 1664, 48 layers; MLP 8192; vocabularies of 50k-250k)
    // that still refuse a config which would allocate without end before its weights are even looked at.
    const int MaxWidth = 16384, MaxLayers = 256, MaxMlpWidth = 131072, MaxVocabulary = 1_048_576,
        MaxContextLength = 8192, MaxImageSize = 8192;

    /// <summary>
    /// This config, after checking every value against sane bounds and against the others: head counts that
    /// divide the widths, patches that fit the image, an end-of-text id inside the vocabulary. Each problem is
    /// an error naming <paramref name="source"/> and the field, never a value quietly replaced by another.
    /// </summary>
    public ClipConfig Validated(string source)
    {
        void Check(bool ok, string problem)
        {
            if (!ok) throw new ClipNetException($"{source}: invalid model config: {problem}");
        }
        void InRange(string field, long value, long max) =>
            Check(value >= 1 && value <= max, $"{field} is {value}; it must be between 1 and {max}");

        InRange("embed_dim", EmbedDim, MaxWidth);
        InRange("vision image_size", Vision.ImageSize, MaxImageSize);
        InRange("vision width", Vision.Width, MaxWidth);
        InRange("vision head_width", Vision.HeadWidth, MaxWidth);
        InRange("vision MLP width", Vision.EffectiveMlpWidth, MaxMlpWidth);
        Check(double.IsFinite(Vision.LayerNormEps) && Vision.LayerNormEps > 0 && Vision.LayerNormEps < 1, $"vision layer_norm_eps is {Vision.LayerNormEps}; it must be in (0, 1)");
        if (Vision.IsVisionTransformer)
        {
            InRange("vision layers", Vision.Layers, MaxLayers);
            InRange("vision patch_size", Vision.PatchSize!.Value, Vision.ImageSize);
            Check(Vision.Width % Vision.HeadWidth == 0, $"vision head_width {Vision.HeadWidth} does not divide the vision width {Vision.Width}");
        }
        else
        {
            Check(Vision.ResNetLayers is { Length: 4 }, $"a ResNet image tower needs 4 stage depths, got [{string.Join(", ", Vision.ResNetLayers ?? [])}]");
            foreach (int depth in Vision.ResNetLayers!) InRange("vision ResNet stage depth", depth, MaxLayers);
            Check(Vision.ImageSize >= 32, $"vision image_size {Vision.ImageSize} is smaller than the ResNet's 32x downsampling");
            Check(Vision.Width * 32 % Vision.HeadWidth == 0, $"vision head_width {Vision.HeadWidth} does not divide the attention pool's width {Vision.Width * 32}");
        }

        InRange("text context_length", Text.ContextLength, MaxContextLength);
        Check(Text.ContextLength >= 2, "text context_length must hold at least the start and end tokens");
        InRange("text vocab_size", Text.VocabSize, MaxVocabulary);
        InRange("text width", Text.Width, MaxWidth);
        InRange("text heads", Text.Heads, Text.Width);
        Check(Text.Width % Text.Heads == 0, $"text heads {Text.Heads} do not divide the text width {Text.Width}");
        InRange("text layers", Text.Layers, MaxLayers);
        InRange("text MLP width", Text.EffectiveMlpWidth, MaxMlpWidth);
        Check(double.IsFinite(Text.LayerNormEps) && Text.LayerNormEps > 0 && Text.LayerNormEps < 1, $"text layer_norm_eps is {Text.LayerNormEps}; it must be in (0, 1)");
        Check(Text.EndOfTextId >= 0 && Text.EndOfTextId < Text.VocabSize, $"the end-of-text id {Text.EndOfTextId} is outside the vocabulary of {Text.VocabSize}");
        Check(InitLogitBias is not double bias || double.IsFinite(bias), $"init_logit_bias is {InitLogitBias}");
        return this;
    }

    // OpenCLIP allows a square size or [height, width]; only square images are supported here.
    static int ImageSizeOf(JsonNode? node) => node switch
    {
        null => ArchitectureDefaults.ImageSize,
        JsonArray a when a.Count == 2 && a[0] is JsonValue h && a[1] is JsonValue w && (int)h == (int)w => (int)h,
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
