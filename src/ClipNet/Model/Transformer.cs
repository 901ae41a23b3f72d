using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>A stack of residual attention blocks, batch-first [N, L, D].</summary>
public sealed class Transformer : nn.Module<Tensor, Tensor>
{
    public ModuleList<ResidualAttentionBlock> resblocks;
    public int Width { get; }
    public int Layers { get; }

    public Transformer(int width, int layers, int heads, int mlpWidth, bool quickGelu, bool causal, double layerNormEps,
        ParameterFactory? parameters = null, MixedPrecision? precision = null)
        : base(nameof(Transformer))
    {
        Width = width;
        Layers = layers;
        resblocks = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => new ResidualAttentionBlock(width, heads, mlpWidth, quickGelu, causal, layerNormEps, parameters, precision)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var block in resblocks) x = block.forward(x);
        return x;
    }

    /// <summary>
    /// OpenAI's initialisation: attention and MLP weights scaled by width and depth so the residual stream's
    /// variance stays bounded as blocks are stacked.
    /// </summary>
    public void InitializeParameters()
    {
        double projStd = Math.Pow(Width, -0.5) * Math.Pow(2 * Layers, -0.5);
        double attnStd = Math.Pow(Width, -0.5);
        double fcStd = Math.Pow(2 * Width, -0.5);
        foreach (var block in resblocks)
        {
            nn.init.normal_(block.attn.in_proj_weight, std: attnStd);
            nn.init.normal_(block.attn.out_proj.weight, std: projStd);
            nn.init.normal_(block.mlp.c_fc.weight, std: fcStd);
            nn.init.normal_(block.mlp.c_proj.weight, std: projStd);
        }
    }
}
