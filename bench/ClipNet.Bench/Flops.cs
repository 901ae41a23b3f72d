using ClipNet.Model;

namespace ClipNet.Bench;

/// <summary>
/// Floating-point operations of the matrix work in CLIP's towers, per image or per caption: every matrix product
/// and convolution counted as 2 × its multiply-adds (normalisation, activations and softmax are left out: they are
/// a few percent and no GEMM). A training step is 3× the forward count: the backward pass takes the gradient with
/// respect to both the input and the weight of every product, each as much work as the forward product.
/// </summary>
static class Flops
{
    public static double ImageTower(ClipConfig config) => config.Vision.IsVisionTransformer
        ? VisionTransformer(config.Vision, config.EmbedDim) : ModifiedResNet(config.Vision, config.EmbedDim);

    public static double VisionTransformer(VisionConfig v, int embedDim)
    {
        double tokens = Math.Pow(v.ImageSize / v.PatchSize!.Value, 2) + 1;
        double patchEmbedding = (tokens - 1) * 3 * v.PatchSize.Value * v.PatchSize.Value * v.Width;
        return 2 * (patchEmbedding + v.Layers * TransformerBlock(tokens, v.Width, v.EffectiveMlpWidth) + v.Width * embedDim);
    }

    /// <summary>
    /// OpenAI's ResNet: the three-convolution stem (the first at stride 2), a 2×2 pool, bottleneck stages whose 3×3
    /// convolution runs before the stride's average pool and whose 1×1 expansion and shortcut run after it, and the
    /// attention pool (one query, the mean token plus every position as keys and values).
    /// </summary>
    public static double ModifiedResNet(VisionConfig v, int embedDim)
    {
        double w = v.Width, h = v.ImageSize / 2.0;
        double macs = h * h * 9 * (3 * w / 2 + w / 2 * w / 2 + w / 2 * w);
        h /= 2;
        double inplanes = w;
        for (int stage = 0; stage < v.ResNetLayers!.Length; stage++)
        {
            double planes = w * Math.Pow(2, stage);
            for (int block = 0; block < v.ResNetLayers[stage]; block++)
            {
                int stride = block == 0 && stage > 0 ? 2 : 1;
                double after = h / stride;
                macs += h * h * (inplanes * planes + 9 * planes * planes) + after * after * planes * 4 * planes;
                if (block == 0) macs += after * after * inplanes * planes * 4;   // the shortcut's 1×1 convolution
                inplanes = planes * 4;
                h = after;
            }
        }
        double tokens = h * h + 1, d = inplanes;
        macs += d * d + 2 * tokens * d * d + 2 * tokens * d + d * embedDim;
        return 2 * macs;
    }

    /// <summary>The text tower over <paramref name="tokens"/> positions (ClipNet stops at the batch's last end token).</summary>
    public static double TextTransformer(TextConfig t, int embedDim, int tokens) =>
        2 * (t.Layers * TransformerBlock(tokens, t.Width, t.EffectiveMlpWidth) + t.Width * embedDim);

    static double TransformerBlock(double tokens, int width, int mlpWidth) =>
          tokens * width * 3 * width            // q, k, v
        + 2 * tokens * tokens * width           // scores and weighted values
        + tokens * width * width                // output projection
        + 2 * tokens * width * mlpWidth;        // MLP
}
