using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// Tensor names of Hugging Face `CLIPModel` checkpoints ↔ OpenAI/OpenCLIP names, as transformers'
/// `convert_clip_original_pytorch_to_hf.py` converts them, in both directions from one table. The
/// packed attention projection `in_proj_weight` / `in_proj_bias` is split row-wise into q, k, v; the two
/// projection matrices are transposed; everything else is renamed only. Only the ViT image tower exists
/// on the Hugging Face side.
/// </summary>
public static class HuggingFaceKeyMap
{
    // `{i}` is a layer index, `{qkv}` one of q, k, v.
    static readonly Rule[] Rules =
    [
        new("token_embedding.weight", "text_model.embeddings.token_embedding.weight"),
        new("positional_embedding", "text_model.embeddings.position_embedding.weight"),
        .. ResidualBlock("transformer.resblocks.{i}.", "text_model.encoder.layers.{i}."),
        new("ln_final.weight", "text_model.final_layer_norm.weight"),
        new("ln_final.bias", "text_model.final_layer_norm.bias"),
        new("text_projection", "text_projection.weight", KeyTransform.Transpose),
        new("visual.class_embedding", "vision_model.embeddings.class_embedding"),
        new("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"),
        new("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"),
        // "layrnorm" is transformers' own spelling of this one key.
        new("visual.ln_pre.weight", "vision_model.pre_layrnorm.weight"),
        new("visual.ln_pre.bias", "vision_model.pre_layrnorm.bias"),
        .. ResidualBlock("visual.transformer.resblocks.{i}.", "vision_model.encoder.layers.{i}."),
        new("visual.ln_post.weight", "vision_model.post_layernorm.weight"),
        new("visual.ln_post.bias", "vision_model.post_layernorm.bias"),
        new("visual.proj", "visual_projection.weight", KeyTransform.Transpose),
        new("logit_scale", "logit_scale"),
    ];

    static Rule[] ResidualBlock(string openAI, string huggingFace) =>
    [
        new(openAI + "attn.in_proj_weight", huggingFace + "self_attn.{qkv}_proj.weight", KeyTransform.QkvRows),
        new(openAI + "attn.in_proj_bias", huggingFace + "self_attn.{qkv}_proj.bias", KeyTransform.QkvRows),
        new(openAI + "attn.out_proj.weight", huggingFace + "self_attn.out_proj.weight"),
        new(openAI + "attn.out_proj.bias", huggingFace + "self_attn.out_proj.bias"),
        new(openAI + "ln_1.weight", huggingFace + "layer_norm1.weight"),
        new(openAI + "ln_1.bias", huggingFace + "layer_norm1.bias"),
        new(openAI + "mlp.c_fc.weight", huggingFace + "mlp.fc1.weight"),
        new(openAI + "mlp.c_fc.bias", huggingFace + "mlp.fc1.bias"),
        new(openAI + "mlp.c_proj.weight", huggingFace + "mlp.fc2.weight"),
        new(openAI + "mlp.c_proj.bias", huggingFace + "mlp.fc2.bias"),
        new(openAI + "ln_2.weight", huggingFace + "layer_norm2.weight"),
        new(openAI + "ln_2.bias", huggingFace + "layer_norm2.bias"),
    ];

    static readonly string[] QkvNames = ["q", "k", "v"];

    /// <summary>True when the names are Hugging Face `CLIPModel` names rather than OpenAI ones.</summary>
    public static bool UsesHuggingFaceNames(IEnumerable<string> names) =>
        names.Any(n => n.StartsWith("text_model.", StringComparison.Ordinal) || n.StartsWith("vision_model.", StringComparison.Ordinal));

    /// <summary>The OpenAI source of a Hugging Face tensor, or null if it has none.</summary>
    public static KeyMapping? ForHuggingFaceKey(string huggingFace)
    {
        foreach (var rule in Rules)
            if (rule.MatchHuggingFace(huggingFace) is { } mapping) return mapping;
        return null;
    }

    /// <summary>The Hugging Face tensors made from an OpenAI tensor (three for a packed projection), or none.</summary>
    public static IReadOnlyList<KeyMapping> ForOpenAIKey(string openAI)
    {
        foreach (var rule in Rules)
            if (rule.MatchOpenAI(openAI) is { } mappings) return mappings;
        return [];
    }

    /// <summary>
    /// Hugging Face tensors under OpenAI names: q, k, v concatenated back into `in_proj_*`, projections
    /// transposed. `position_ids` (a non-persistent buffer older transformers versions saved) is skipped.
    /// Renamed tensors share memory with the input.
    /// </summary>
    public static Dictionary<string, Tensor> ToOpenAI(IReadOnlyDictionary<string, Tensor> huggingFace)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var packed = new Dictionary<string, Tensor?[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in huggingFace)
        {
            if (name.EndsWith("embeddings.position_ids", StringComparison.Ordinal)) continue;
            var mapping = ForHuggingFaceKey(name)
                ?? throw new ClipNetException($"Hugging Face tensor '{name}' has no OpenAI CLIP counterpart");
            switch (mapping.Transform)
            {
                case KeyTransform.Copy: result[mapping.OpenAI] = tensor.alias(); break;
                case KeyTransform.Transpose: result[mapping.OpenAI] = Transposed(name, tensor); break;
                case KeyTransform.QkvRows:
                    if (!packed.TryGetValue(mapping.OpenAI, out var parts)) packed[mapping.OpenAI] = parts = new Tensor?[3];
                    parts[mapping.QkvIndex] = tensor;
                    break;
            }
        }
        foreach (var (openAI, parts) in packed)
        {
            int missing = Array.FindIndex(parts, p => p is null);
            if (missing >= 0)
                throw new ClipNetException($"Hugging Face tensor '{ForOpenAIKey(openAI)[missing].HuggingFace}' is missing; it is needed with its q/k/v siblings to rebuild '{openAI}'");
            result[openAI] = torch.cat(parts!, 0);
        }
        return result;
    }

    /// <summary>
    /// OpenAI/OpenCLIP tensors under Hugging Face `CLIPModel` names: `in_proj_*` split into q, k, v,
    /// projections transposed. Renamed and split tensors share memory with the input.
    /// </summary>
    public static Dictionary<string, Tensor> FromOpenAI(IReadOnlyDictionary<string, Tensor> openAI)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in openAI)
        {
            var mappings = ForOpenAIKey(name);
            if (mappings.Count == 0)
                throw new ClipNetException($"OpenAI tensor '{name}' has no Hugging Face CLIPModel counterpart (transformers' CLIPModel has only the ViT image tower)");
            foreach (var mapping in mappings)
            {
                result[mapping.HuggingFace] = mapping.Transform switch
                {
                    KeyTransform.Copy => tensor.alias(),
                    KeyTransform.Transpose => Transposed(name, tensor),
                    _ => QkvRows(name, tensor, mapping.QkvIndex),
                };
            }
        }
        return result;
    }

    static Tensor Transposed(string name, Tensor tensor) =>
        tensor.dim() == 2 ? tensor.t().contiguous() : throw new ClipNetException($"tensor '{name}' should be a matrix but has shape [{string.Join(", ", tensor.shape)}]");

    static Tensor QkvRows(string name, Tensor packed, int index)
    {
        if (packed.dim() < 1 || packed.shape[0] % 3 != 0)
            throw new ClipNetException($"tensor '{name}' should stack q, k and v (a first dimension divisible by 3) but has shape [{string.Join(", ", packed.shape)}]");
        long rows = packed.shape[0] / 3;
        return packed.narrow(0, index * rows, rows);
    }

    sealed class Rule
    {
        readonly string openAI, huggingFace;
        readonly KeyTransform transform;
        readonly Regex openAIPattern, huggingFacePattern;

        public Rule(string openAI, string huggingFace, KeyTransform transform = KeyTransform.Copy)
        {
            this.openAI = openAI; this.huggingFace = huggingFace; this.transform = transform;
            openAIPattern = Pattern(openAI);
            huggingFacePattern = Pattern(huggingFace);
        }

        static Regex Pattern(string template) => new(
            "^" + Regex.Escape(template).Replace(@"\{i}", @"(?<i>\d+)").Replace(@"\{qkv}", "(?<qkv>[qkv])") + "$",
            RegexOptions.CultureInvariant);

        public KeyMapping? MatchHuggingFace(string name)
        {
            var match = huggingFacePattern.Match(name);
            if (!match.Success) return null;
            int qkv = match.Groups["qkv"].Success ? Array.IndexOf(QkvNames, match.Groups["qkv"].Value) : -1;
            return new KeyMapping(Fill(openAI, match, null), name, transform, qkv);
        }

        public IReadOnlyList<KeyMapping>? MatchOpenAI(string name)
        {
            var match = openAIPattern.Match(name);
            if (!match.Success) return null;
            return transform == KeyTransform.QkvRows
                ? QkvNames.Select((part, i) => new KeyMapping(name, Fill(huggingFace, match, part), transform, i)).ToList()
                : [new KeyMapping(name, Fill(huggingFace, match, null), transform)];
        }

        static string Fill(string template, Match match, string? qkv)
        {
            string filled = match.Groups["i"].Success ? template.Replace("{i}", match.Groups["i"].Value) : template;
            return qkv is null ? filled : filled.Replace("{qkv}", qkv);
        }
    }
}

/// <summary>How a Hugging Face tensor is derived from its OpenAI counterpart.</summary>
public enum KeyTransform
{
    /// <summary>The same tensor.</summary>
    Copy,
    /// <summary>The 2-D matrix transposed: OpenAI multiplies `x @ proj`, Hugging Face stores `nn.Linear` weights as [out, in].</summary>
    Transpose,
    /// <summary>One third of the rows of OpenAI's packed attention projection: q, k or v (<see cref="KeyMapping.QkvIndex"/> 0, 1, 2).</summary>
    QkvRows,
}

/// <summary>One OpenAI ↔ Hugging Face tensor correspondence.</summary>
public sealed record KeyMapping(string OpenAI, string HuggingFace, KeyTransform Transform, int QkvIndex = -1);
