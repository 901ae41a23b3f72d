using System.Text.Json.Nodes;
using ClipNet.Checkpoints;
using ClipNet.Model;
using ClipNet.SafeTensors;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Evaluation;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// What `clip convert --to openclip` and `clip train` write is what open_clip builds and loads:
/// `create_model_and_transforms(arch, pretrained=path)` constructs CLIP(**model_cfg) from its own JSON and then
/// `load_state_dict(strict=True)`. So our config must hold open_clip's values under open_clip's field names, and
/// our tensors must be exactly its state-dict keys and shapes. The expected facts below are taken from
/// mlfoundations/open_clip at commit 89fb801f1e6087880e951fc8354b8a2077b79c6d.
/// </summary>
public class OpenClipSchemaTests
{
    // src/open_clip/model_configs/ViT-B-32.json and RN50-quickgelu.json, verbatim values.
    const string OpenClipViTB32 = """
        { "embed_dim": 512,
          "vision_cfg": { "image_size": 224, "layers": 12, "width": 768, "patch_size": 32 },
          "text_cfg": { "context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12 } }
        """;
    const string OpenClipRN50QuickGelu = """
        { "embed_dim": 1024, "quick_gelu": true,
          "vision_cfg": { "image_size": 224, "layers": [3, 4, 6, 3], "width": 64, "patch_size": null },
          "text_cfg": { "context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12 } }
        """;

    // src/open_clip/model.py: the parameters of CLIP.__init__ a model_cfg may name, and the fields of the
    // CLIPVisionCfg and CLIPTextCfg dataclasses (open_clip raises TypeError on any other key).
    static readonly HashSet<string> ClipArguments = ["embed_dim", "vision_cfg", "text_cfg", "quick_gelu", "init_logit_scale", "init_logit_bias", "nonscalar_logit_scale", "cast_dtype", "output_dict"];
    static readonly HashSet<string> VisionFields =
    [
        "layers", "width", "head_width", "mlp_ratio", "patch_size", "image_size", "image_seq_len", "ls_init_value", "patch_dropout",
        "attentional_pool", "attn_pooler_queries", "attn_pooler_heads", "no_ln_pre", "pos_embed_type", "final_ln_after_pool", "pool_type",
        "output_tokens", "act_kwargs", "norm_kwargs", "block_type", "qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner",
        "scale_attn", "scale_fc", "timm_model_name", "timm_model_pretrained", "timm_pool", "timm_proj", "timm_proj_bias", "timm_drop",
        "timm_drop_path", "timm_model_kwargs",
    ];
    static readonly HashSet<string> TextFields =
    [
        "text_arch", "context_length", "variable_text", "vocab_size", "hf_tokenizer_name", "tokenizer_mode", "tokenizer_kwargs", "width", "heads",
        "layers", "mlp_ratio", "ls_init_value", "embed_cls", "pad_id", "bos_id", "eos_id", "tokenizer_type", "tiktoken_name", "no_causal_mask",
        "final_ln_after_pool", "pool_type", "proj_bias", "proj_type", "output_tokens", "act_kwargs", "norm_kwargs", "block_type", "qk_norm",
        "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc", "attention_mode", "pos_embed", "rope_temperature",
        "mlp_type", "norm_type", "norm_eps", "attn_gated", "pre_norm", "norm_placement", "zero_init_residual", "reg_tokens", "value_residual",
        "attention_bias", "mlp_bias", "gate_bias", "hf_model_name", "hf_model_pretrained", "hf_proj_type", "hf_pooler_type", "hf_model_config",
    ];

    [Theory]
    [InlineData("ViT-B-32", OpenClipViTB32)]
    [InlineData("RN50-quickgelu", OpenClipRN50QuickGelu)]
    public void WrittenConfigIsOpenClipsModelConfig(string architecture, string openClipJson)
    {
        var written = OpenClipConfigFile.ToJson(ModelConfigs.Get(architecture), new ImagePreprocessor(224))["model_cfg"];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(openClipJson), written), written!.ToJsonString());
    }

    [Fact]
    public void WrittenConfigNamesOnlyFieldsOpenClipAccepts()
    {
        // A config using every optional field we write: head width, MLP ratio, LayerNorm eps, logit bias.
        var config = ModelConfigs.Get("ViT-B-32") with { InitLogitBias = -10, QuickGelu = true };
        config = config with
        {
            Vision = config.Vision with { HeadWidth = 96, MlpWidth = 768 * 3, LayerNormEps = 1e-6 },
            Text = config.Text with { MlpWidth = 512 * 2, LayerNormEps = 1e-6 },
        };
        var written = OpenClipConfigFile.ToJson(config, new ImagePreprocessor(224))["model_cfg"]!.AsObject();
        Assert.Subset(ClipArguments, written.Select(kv => kv.Key).ToHashSet());
        Assert.Subset(VisionFields, written["vision_cfg"]!.AsObject().Select(kv => kv.Key).ToHashSet());
        Assert.Subset(TextFields, written["text_cfg"]!.AsObject().Select(kv => kv.Key).ToHashSet());
        // open_clip hands norm_kwargs to its LayerNorm: nn.LayerNorm(width, eps=1e-6).
        Assert.Equal(1e-6, (double)written["vision_cfg"]!["norm_kwargs"]!["eps"]!);
        // ...and it reads back as the same architecture.
        Assert.Equal(config, ClipConfig.FromOpenClipJson(written, "written"));
    }

    /// <summary>
    /// open_clip's state dict for a ViT CLIP (model.py CLIP, transformer.py VisionTransformer, TextTransformer and
    /// ResidualAttentionBlock with nn.MultiheadAttention; `attn_mask` is a non-persistent buffer, so not a key).
    /// </summary>
    static Dictionary<string, long[]> OpenClipVitKeys(int embed, int image, int patch, int width, int layers, int textWidth, int textLayers, int context, int vocab)
    {
        var keys = new Dictionary<string, long[]>
        {
            ["visual.class_embedding"] = [width],
            ["visual.positional_embedding"] = [(image / patch) * (image / patch) + 1, width],
            ["visual.proj"] = [width, embed],
            ["visual.conv1.weight"] = [width, 3, patch, patch],
            ["visual.ln_pre.weight"] = [width], ["visual.ln_pre.bias"] = [width],
            ["visual.ln_post.weight"] = [width], ["visual.ln_post.bias"] = [width],
            ["token_embedding.weight"] = [vocab, textWidth],
            ["positional_embedding"] = [context, textWidth],
            ["ln_final.weight"] = [textWidth], ["ln_final.bias"] = [textWidth],
            ["text_projection"] = [textWidth, embed],
            ["logit_scale"] = [],
        };
        void Blocks(string prefix, int w, int count)
        {
            for (int i = 0; i < count; i++)
            {
                string b = $"{prefix}transformer.resblocks.{i}.";
                keys[b + "ln_1.weight"] = [w]; keys[b + "ln_1.bias"] = [w];
                keys[b + "attn.in_proj_weight"] = [3 * w, w]; keys[b + "attn.in_proj_bias"] = [3 * w];
                keys[b + "attn.out_proj.weight"] = [w, w]; keys[b + "attn.out_proj.bias"] = [w];
                keys[b + "ln_2.weight"] = [w]; keys[b + "ln_2.bias"] = [w];
                keys[b + "mlp.c_fc.weight"] = [4 * w, w]; keys[b + "mlp.c_fc.bias"] = [4 * w];
                keys[b + "mlp.c_proj.weight"] = [w, 4 * w]; keys[b + "mlp.c_proj.bias"] = [w];
            }
        }
        Blocks("visual.", width, layers);
        Blocks("", textWidth, textLayers);
        return keys;
    }

    static void AssertSameKeysAndShapes(Dictionary<string, long[]> expected, IReadOnlyDictionary<string, long[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(actual[key]), $"{key}: [{string.Join(", ", actual[key])}], open_clip has [{string.Join(", ", shape)}]");
    }

    [Fact]
    public void ConvertedCheckpointHasOpenClipsKeysAndShapes()
    {
        using var folder = new TempFolder();
        using (var clip = EvaluationData.LoadVit()) clip.Export(ExportFormat.OpenClip, folder.Path);

        using var file = SafeTensorsFile.Open(Path.Combine(folder.Path, ModelExporter.OpenClipWeightsFile));
        // The fixture's architecture (its open_clip_config.json): embed 32, 32 px, patch 8, width 128 × 2 layers; text 64 × 2.
        AssertSameKeysAndShapes(OpenClipVitKeys(32, 32, 8, 128, 2, 64, 2, 77, 49408), file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Shape));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "open_clip_config.json")))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(SharedFixtures.Fixture("models", "vit", "open_clip_config.json"))), config["model_cfg"]));
    }

    [Fact]
    public void ViTB32StateDictIsOpenClipsViTB32()
    {
        using var model = new ClipModel(ModelConfigs.Get("ViT-B-32"));
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        AssertSameKeysAndShapes(OpenClipVitKeys(512, 224, 32, 768, 12, 512, 12, 77, 49408), shapes);
    }
}
