using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Bench;

/// <summary>
/// A profile of a ViT image tower by subtraction: its matrix products alone, at the tower's own shapes, with its own
/// weights, in its order, on inputs of random values. Set against a call of the whole tower, this says what share of
/// the call the products take (and the rest is attention's softmax, LayerNorm, the activation, residual adds and
/// copies), and how fast the products run at these shapes against the 1024² GEMM the "% of GEMM" figures use.
/// </summary>
static class ProductsAlone
{
    /// <summary>
    /// The share of a call of <paramref name="call"/> (<paramref name="model"/>'s image tower at <paramref name="batch"/>)
    /// that its products take, and their seconds. The two are timed in turn, three pairs, and each share is taken
    /// within a pair: this VM's speed can halve from one minute to the next.
    /// </summary>
    public static (double Share, double ProductsSeconds) ShareOfCall(Action call, ClipModel model, int batch)
    {
        using var scope = NewDisposeScope();
        var products = VisionTransformerProducts(model, batch);
        products();
        var pairs = new List<(double Call, double Products)>();
        for (int i = 0; i < 3; i++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            call();
            double callSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            products();
            pairs.Add((callSeconds, clock.Elapsed.TotalSeconds));
        }
        return (pairs.Select(p => p.Products / p.Call).Order().ElementAt(1), pairs.Select(p => p.Products).Order().ElementAt(1));
    }

    /// <summary>
    /// The products of one <see cref="ClipModel.EncodeImage"/> call at <paramref name="batch"/>, as one action; its
    /// inputs belong to the caller's dispose scope.
    /// </summary>
    static Action VisionTransformerProducts(ClipModel model, int batch)
    {
        var vit = model.VisionTransformer ?? throw new ArgumentException("not a ViT", nameof(model));
        var config = model.Config.Vision;
        var dtype = vit.conv1.weight!.dtype;
        int patch = config.PatchSize!.Value, grid = config.ImageSize / patch, tokens = grid * grid + 1;
        int width = config.Width, heads = config.Heads, headWidth = width / heads;
        var patches = torch.randn(batch * grid * grid, 3 * patch * patch, dtype: dtype);
        var x = torch.randn(batch * tokens, width, dtype: dtype);
        var hidden = torch.randn(batch * tokens, config.EffectiveMlpWidth, dtype: dtype);
        var q = torch.randn(batch * heads, tokens, headWidth, dtype: dtype);
        var keysTransposed = torch.randn(batch * heads, headWidth, tokens, dtype: dtype);
        var scores = torch.randn(batch * heads, tokens, tokens, dtype: dtype);
        var pooled = torch.randn(batch, width, dtype: dtype);
        var patchWeight = vit.conv1.weight.flatten(1);
        return () =>
        {
            using var call = NewDisposeScope();
            using var _ = torch.no_grad();
            nn.functional.linear(patches, patchWeight, vit.conv1.bias);
            foreach (var block in vit.transformer.resblocks)
            {
                nn.functional.linear(x, block.attn.in_proj_weight, block.attn.in_proj_bias);
                q.bmm(keysTransposed);
                scores.bmm(q);
                nn.functional.linear(x, block.attn.out_proj.weight!, block.attn.out_proj.bias);
                nn.functional.linear(x, block.mlp.c_fc.weight!, block.mlp.c_fc.bias);
                nn.functional.linear(hidden, block.mlp.c_proj.weight!, block.mlp.c_proj.bias);
            }
            pooled.matmul(vit.proj);
        };
    }
}
