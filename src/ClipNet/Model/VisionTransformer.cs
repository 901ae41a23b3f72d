using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// The ViT image tower: non-overlapping patches embedded by a bias-free convolution, a learned class token
/// prepended, learned positions added, `ln_pre`, the transformer, `ln_post` on the class token, and a linear
/// projection into the shared embedding space.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    public Conv2d conv1;
    public Parameter class_embedding;
    public Parameter positional_embedding;
    public LayerNormFp32 ln_pre;
    public Transformer transformer;
    public LayerNormFp32 ln_post;
    public Parameter proj;
    readonly int patchSize;
    /// <summary>From this patch size on the patch embedding runs as one matrix product (<see cref="EmbedPatches"/>).</summary>
    const int SmallestPatchAsProduct = 14;
    readonly MixedPrecision precision;

    public VisionTransformer(VisionConfig config, int embedDim, bool quickGelu, ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(VisionTransformer))
    {
        parameters ??= ParameterFactory.Random;
        this.precision = precision ?? new MixedPrecision();
        int width = config.Width;
        patchSize = config.PatchSize!.Value;
        int grid = config.ImageSize / patchSize;
        using var scale = Math.Pow(width, -0.5).ToScalar();
        conv1 = parameters.Conv2d(3, width, patchSize, stride: patchSize, bias: false);
        class_embedding = parameters.Create([width], () => torch.randn(width).mul_(scale));
        positional_embedding = parameters.Create([grid * grid + 1, width], () => torch.randn(grid * grid + 1, width).mul_(scale));
        ln_pre = new LayerNormFp32(width, config.LayerNormEps);
        transformer = new Transformer(width, config.Layers, config.Heads, config.EffectiveMlpWidth, quickGelu,
            causal: false, config.LayerNormEps, parameters, this.precision);
        ln_post = new LayerNormFp32(width, config.LayerNormEps);
        proj = parameters.Create([width, embedDim], () => torch.randn(width, embedDim).mul_(scale));
        RegisterComponents();
    }

    /// <summary>Patch embeddings with the class token first and positions added: the input of `ln_pre`, [N, 1 + grid², width].</summary>
    public Tensor Embed(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[1] != 3 || pixels.shape[2] != ImageSize || pixels.shape[3] != ImageSize)
            throw new ClipNetException(
                $"the model takes [N, 3, {ImageSize}, {ImageSize}] pixels but got [{string.Join(", ", pixels.shape)}]; " +
                $"preprocess images to {ImageSize} px, or call {nameof(ResizePositionalEmbedding)} to run at another size");
        var patches = EmbedPatches(pixels.to_type(conv1.weight!.dtype));
        var classToken = class_embedding.to_type(patches.dtype).expand(patches.shape[0], 1, -1);
        var tokens = torch.cat([classToken, patches], dim: 1);
        return tokens.Plus(positional_embedding.to_type(tokens.dtype));
    }

    /// <summary>Each non-overlapping patch's embedding by conv1 (stride = kernel = patch size), [N, grid², width].</summary>
    /// <remarks>
    /// With patches of 14 px or more (every released CLIP ViT) the patches are cut out into rows and multiplied by
    /// conv1's weight read as [width, 3·p·p]: the same sums as the convolution, as one matrix product. Measured at
    /// 224 px, batch 32, in one process: forward 2.0× (patch 32), 2.1× (16) and 1.3× (14) the convolution's speed in
    /// float32, 2.3×, 2.8× and 1.1× in bf16, and 1.2–2.6× forward and backward together. With the quickstart's small
    /// patches (4 and 8 px) the convolution is as fast or faster, so it stays there.
    /// </remarks>
    Tensor EmbedPatches(Tensor pixels)
    {
        if (patchSize < SmallestPatchAsProduct)
            return precision.Conv(pixels, conv1).flatten(2).transpose(1, 2);
        long n = pixels.shape[0], grid = pixels.shape[2] / patchSize;
        var rows = pixels.reshape(n, 3, grid, patchSize, grid, patchSize).permute(0, 2, 4, 1, 3, 5)
            .reshape(n, grid * grid, 3 * patchSize * patchSize);
        return precision.FlattenedConvProduct(rows, conv1);
    }

    /// <summary>The class token's final hidden state after `ln_post`, before the projection (HF's `pooler_output`).</summary>
    public Tensor PooledOutput(Tensor pixels)
    {
        var x = transformer.forward(ln_pre.forward(Embed(pixels)));
        return ln_post.forward(x[.., 0, ..]);
    }

    public override Tensor forward(Tensor pixels) => precision.MatMul(PooledOutput(pixels), proj);

    public int ImageSize => (int)Math.Round(Math.Sqrt(positional_embedding.shape[0] - 1)) * patchSize;

    /// <summary>
    /// Adapts the learned positions to another input size by bicubic interpolation of the position grid
    /// (the class token's position is kept), as OpenCLIP's `resize_pos_embed` does, so the model can run on
    /// larger or smaller images than it was trained on.
    /// </summary>
    public void ResizePositionalEmbedding(int imageSize)
    {
        if (imageSize % patchSize != 0)
            throw new ClipNetException($"image size {imageSize} is not a multiple of the patch size {patchSize}");
        long oldGrid = (long)Math.Round(Math.Sqrt(positional_embedding.shape[0] - 1));
        long newGrid = imageSize / patchSize;
        if (newGrid == oldGrid) return;
        using var _ = torch.no_grad();
        var dtype = positional_embedding.dtype;
        var classPosition = positional_embedding[..1];
        var grid = positional_embedding[1..].to_type(ScalarType.Float32)
            .reshape(1, oldGrid, oldGrid, -1).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, size: [newGrid, newGrid], mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: true);
        resized = resized.permute(0, 2, 3, 1).reshape(newGrid * newGrid, -1).to_type(dtype);
        var updated = torch.cat([classPosition, resized], dim: 0);
        positional_embedding.set_(updated.contiguous());
    }
}
