namespace ClipNet.Model;

/// <summary>A human-readable description of an architecture and its size, for `clip info`.</summary>
public static class ModelSummary
{
    public static IReadOnlyList<(string Field, string Value)> Describe(ClipModel model)
    {
        var c = model.Config;
        var v = c.Vision;
        string image = v.IsVisionTransformer
            ? $"Vision Transformer: {v.ImageSize}px, patch {v.PatchSize}, width {v.Width}, {v.Layers} layers, {v.Heads} heads, MLP {v.EffectiveMlpWidth}"
            : $"ModifiedResNet: {v.ImageSize}px, width {v.Width}, blocks [{string.Join(", ", v.ResNetLayers!)}], attention pool with {v.Heads} heads";
        long parameters = model.parameters().Sum(p => p.numel());
        long visual = model.visual.parameters().Sum(p => p.numel());
        return
        [
            ("image tower", image),
            ("text tower", $"Transformer: context {c.Text.ContextLength}, vocabulary {c.Text.VocabSize}, width {c.Text.Width}, {c.Text.Layers} layers, {c.Text.Heads} heads, MLP {c.Text.EffectiveMlpWidth}"),
            ("embedding dimension", c.EmbedDim.ToString()),
            ("activation", c.QuickGelu ? "QuickGELU" : "GELU"),
            ("parameters", $"{parameters:N0} (image {visual:N0}, text {parameters - visual:N0})"),
            ("inverse temperature", $"1/τ = exp(logit_scale) = {model.InverseTemperature:F4} (logit_scale {model.logit_scale.item<float>():F4})"),
            ("dtype", model.DType.ToString()),
        ];
    }
}
