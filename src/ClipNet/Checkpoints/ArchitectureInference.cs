using System.Text.RegularExpressions;
using ClipNet.Model;
using static TorchSharp.torch;

namespace ClipNet.Checkpoints;

/// <summary>
/// Reads a CLIP architecture off a state dict's tensor shapes, as OpenAI's `build_model` does. Shapes cannot
/// tell the head count or the activation: heads default to width / 64 unless a built-in architecture has the
/// same shapes (ViT-H/14 uses 80-wide heads, for example), and the activation follows <paramref name="quickGelu"/>.
/// </summary>
public static partial class ArchitectureInference
{
    public static ClipConfig Infer(IReadOnlyDictionary<string, Tensor> stateDict, string sourceName, bool quickGelu = true)
    {
        long[] Shape(string key, int rank)
        {
            if (!stateDict.TryGetValue(key, out var t)) throw new ClipNetException($"{sourceName}: not a CLIP checkpoint (no tensor '{key}')");
            if (t.shape.Length != rank || t.shape.Any(d => d > int.MaxValue))
                throw new ClipNetException($"{sourceName}: tensor '{key}' has shape [{string.Join(", ", t.shape)}]; a CLIP checkpoint's has {rank} dimensions");
            return t.shape;
        }
        int CountBlocks(Regex pattern) => stateDict.Keys.Select(k => pattern.Match(k))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct().Count();

        int textWidth = (int)Shape("ln_final.weight", 1)[0];
        var text = new TextConfig
        {
            ContextLength = (int)Shape("positional_embedding", 2)[0],
            VocabSize = (int)Shape("token_embedding.weight", 2)[0],
            Width = textWidth,
            Heads = Math.Max(1, textWidth / 64),
            Layers = CountBlocks(TextBlock()),
            MlpWidth = (int)Shape("transformer.resblocks.0.mlp.c_fc.weight", 2)[0],
        };

        VisionConfig vision;
        if (stateDict.ContainsKey("visual.proj"))
        {
            var conv = Shape("visual.conv1.weight", 4);
            int width = (int)conv[0], patch = (int)conv[^1];
            int grid = (int)Math.Round(Math.Sqrt(Shape("visual.positional_embedding", 2)[0] - 1));
            vision = new VisionConfig
            {
                Width = width,
                PatchSize = patch,
                ImageSize = grid * patch,
                Layers = CountBlocks(VisionBlock()),
                MlpWidth = (int)Shape("visual.transformer.resblocks.0.mlp.c_fc.weight", 2)[0],
            };
        }
        else
        {
            int outputGrid = (int)Math.Round(Math.Sqrt(Shape("visual.attnpool.positional_embedding", 2)[0] - 1));
            vision = new VisionConfig
            {
                Width = (int)Shape("visual.layer1.0.conv1.weight", 4)[0],
                PatchSize = null,
                ImageSize = outputGrid * 32,
                Layers = 0,
                ResNetLayers = Enumerable.Range(1, 4).Select(stage => CountBlocks(new Regex($@"^visual\.layer{stage}\.(\d+)\."))).ToArray(),
            };
        }

        var inferred = new ClipConfig
        {
            EmbedDim = (int)Shape("text_projection", 2)[1],
            Vision = vision,
            Text = text,
            QuickGelu = quickGelu,
        };
        return WithKnownHeads(inferred).Validated(sourceName);
    }

    /// <summary>Takes the head widths of a built-in architecture whose shapes are the same.</summary>
    static ClipConfig WithKnownHeads(ClipConfig inferred) =>
        StandardArchitecture(inferred) is { } name
            ? inferred with
            {
                Vision = inferred.Vision with { HeadWidth = ModelConfigs.All[name].Vision.HeadWidth },
                Text = inferred.Text with { Heads = ModelConfigs.All[name].Text.Heads },
            }
            : inferred;

    /// <summary>The built-in architecture with these tensor shapes, if any: the one whose head counts a guess can safely take.</summary>
    public static string? StandardArchitecture(ClipConfig inferred) =>
        ModelConfigs.All.FirstOrDefault(known => SameShapes(inferred, known.Value)).Key;

    /// <summary>
    /// Refuses a config that disagrees with the weights it is about to be given, naming both files and each field
    /// that differs, before a model of the config's size is allocated.
    /// </summary>
    public static void CheckAgainst(ClipConfig config, string configSource, IReadOnlyDictionary<string, Tensor> weights, string weightsSource)
    {
        var shapes = Infer(weights, weightsSource, config.QuickGelu);
        var differences = new List<string>();
        void Compare(string field, object? configured, object? actual)
        {
            if (!Equals(configured, actual)) differences.Add($"{field} {configured ?? "none"} in the config, {actual ?? "none"} in the weights");
        }
        Compare("embed_dim", config.EmbedDim, shapes.EmbedDim);
        Compare("vision width", config.Vision.Width, shapes.Vision.Width);
        Compare("vision patch_size", config.Vision.PatchSize, shapes.Vision.PatchSize);
        Compare("vision grid (image_size / patch)", config.Vision.ImageSize / (config.Vision.PatchSize ?? 32), shapes.Vision.ImageSize / (shapes.Vision.PatchSize ?? 32));
        Compare("vision layers", config.Vision.Layers, shapes.Vision.Layers);
        Compare("vision ResNet stages", string.Join(",", config.Vision.ResNetLayers ?? []), string.Join(",", shapes.Vision.ResNetLayers ?? []));
        if (config.Vision.IsVisionTransformer) Compare("vision MLP width", config.Vision.EffectiveMlpWidth, shapes.Vision.EffectiveMlpWidth);
        Compare("text width", config.Text.Width, shapes.Text.Width);
        Compare("text layers", config.Text.Layers, shapes.Text.Layers);
        Compare("text MLP width", config.Text.EffectiveMlpWidth, shapes.Text.EffectiveMlpWidth);
        Compare("text context_length", config.Text.ContextLength, shapes.Text.ContextLength);
        Compare("text vocab_size", config.Text.VocabSize, shapes.Text.VocabSize);
        if (differences.Count > 0)
            throw new ClipNetException($"{configSource} does not describe the weights in {weightsSource}: {string.Join("; ", differences)}");
    }

    static bool SameShapes(ClipConfig a, ClipConfig b) =>
        a.EmbedDim == b.EmbedDim &&
        a.Vision.Width == b.Vision.Width && a.Vision.Layers == b.Vision.Layers && a.Vision.PatchSize == b.Vision.PatchSize &&
        a.Vision.ImageSize == b.Vision.ImageSize && a.Vision.EffectiveMlpWidth == b.Vision.EffectiveMlpWidth &&
        (a.Vision.ResNetLayers ?? []).SequenceEqual(b.Vision.ResNetLayers ?? []) &&
        a.Text.Width == b.Text.Width && a.Text.Layers == b.Text.Layers && a.Text.EffectiveMlpWidth == b.Text.EffectiveMlpWidth &&
        a.Text.ContextLength == b.Text.ContextLength && a.Text.VocabSize == b.Text.VocabSize;

    [GeneratedRegex(@"^transformer\.resblocks\.(\d+)\.")]
    private static partial Regex TextBlock();

    [GeneratedRegex(@"^visual\.transformer\.resblocks\.(\d+)\.")]
    private static partial Regex VisionBlock();
}
