using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// CLIP: an image tower and a text tower projected into one embedding space, compared by cosine similarity
/// scaled by a learned temperature. Module and parameter names are the OpenAI/OpenCLIP state-dict keys;
/// the text tower's parts sit at the top level, as in OpenAI's `CLIP` class.
/// </summary>
public sealed class ClipModel : nn.Module<Tensor, Tensor, (Tensor LogitsPerImage, Tensor LogitsPerText)>
{
    /// <summary>The paper clips the scale at 100 so training stays stable.</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    // Before the process's first float32 product, which is where MKL fixes its choice of kernels.
    static ClipModel() => ClipNet.IO.MklKernels.SelectByCpuFeatures();

    public nn.Module<Tensor, Tensor> visual;
    public Transformer transformer;
    public TokenEmbedding token_embedding;
    public Parameter positional_embedding;
    public LayerNormFp32 ln_final;
    public Parameter text_projection;
    public Parameter logit_scale;
    /// <summary>Only in models trained with the sigmoid (SigLIP) loss.</summary>
    public Parameter? logit_bias;

    public ClipConfig Config { get; }
    /// <summary>The compute type of this model's matrix products in bf16 mixed-precision training.</summary>
    public MixedPrecision Precision { get; } = new();

    /// <summary>A float32 model with OpenAI's random initialisation, for training from scratch.</summary>
    public ClipModel(ClipConfig config) : this(config, ParameterFactory.Random) { }

    /// <summary>
    /// A model whose parameters <paramref name="parameters"/> creates: <see cref="ParameterFactory.Uninitialized"/>
    /// for one about to receive loaded weights. logit_scale and logit_bias stay float32 in any case: in bf16,
    /// ln(100) would round to a temperature 1 % off.
    /// </summary>
    public ClipModel(ClipConfig config, ParameterFactory parameters) : base(nameof(ClipModel))
    {
        Config = config;
        visual = config.Vision.IsVisionTransformer
            ? new VisionTransformer(config.Vision, config.EmbedDim, config.QuickGelu, parameters, Precision)
            : new ModifiedResNet(config.Vision, config.EmbedDim, parameters, Precision);
        var text = config.Text;
        transformer = new Transformer(text.Width, text.Layers, text.Heads, text.EffectiveMlpWidth, config.QuickGelu,
            causal: true, text.LayerNormEps, parameters, Precision);
        token_embedding = new TokenEmbedding(text.VocabSize, text.Width, parameters);
        positional_embedding = parameters.Create([text.ContextLength, text.Width], () => torch.empty(text.ContextLength, text.Width));
        ln_final = new LayerNormFp32(text.Width, text.LayerNormEps);
        text_projection = parameters.Create([text.Width, config.EmbedDim], () => torch.empty(text.Width, config.EmbedDim));
        logit_scale = nn.Parameter(torch.tensor(ArchitectureDefaults.InitialLogitScale, ScalarType.Float32));
        if (config.InitLogitBias is double bias) logit_bias = nn.Parameter(torch.tensor(bias, ScalarType.Float32));
        RegisterComponents();
        if (parameters.Initializes) InitializeParameters();
    }

    /// <summary>OpenAI's `initialize_parameters`, for training from scratch.</summary>
    public void InitializeParameters()
    {
        using var _ = torch.no_grad();
        nn.init.normal_(token_embedding.weight!, std: 0.02);
        nn.init.normal_(positional_embedding, std: 0.01);
        if (visual is ModifiedResNet resnet) resnet.InitializeParameters();
        transformer.InitializeParameters();
        nn.init.normal_(text_projection, std: Math.Pow(Config.Text.Width, -0.5));
    }

    /// <summary>
    /// Eval mode, with what only inference allows: a ResNet's BatchNorms folded into its convolutions
    /// (<see cref="ConvolutionWithBatchNorm"/>), as torch.jit's optimize_for_inference does. The model's weights are
    /// read once here; <c>train()</c> undoes it. <see cref="Clip"/>'s loaders call it.
    /// </summary>
    public void FreezeForInference()
    {
        eval();
        ResNet?.FoldBatchNorms();
    }

    public VisionTransformer? VisionTransformer => visual as VisionTransformer;
    public ModifiedResNet? ResNet => visual as ModifiedResNet;
    public ScalarType DType => text_projection.dtype;
    public Device Device => text_projection.device;

    /// <summary>Image embeddings, not normalised: [N, 3, S, S] → [N, embed_dim].</summary>
    public Tensor EncodeImage(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return visual.forward(pixels.to(Device)).MoveToOuterDisposeScope();
    }

    /// <summary>The position each sequence pools from (first end-of-text token, or argmax for legacy configs).</summary>
    public Tensor EndOfTextIndex(Tensor tokenIds)
    {
        if (Config.Text.Pooling == TextPooling.Argmax) return tokenIds.argmax(-1);
        using var scope = NewDisposeScope();
        using var endOfText = Config.Text.EndOfTextId.ToScalar();
        return tokenIds.eq(endOfText).to_type(ScalarType.Int32).argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Token plus position embeddings: the input of the first text block, [N, L, width].</summary>
    public Tensor EmbedText(Tensor tokenIds)
    {
        long length = tokenIds.shape[1];
        if (length > positional_embedding.shape[0])
            throw new ClipNetException($"token sequence of length {length} exceeds the context length {positional_embedding.shape[0]}");
        return token_embedding.forward(tokenIds.to(Device)).Plus(positional_embedding[..(int)length]);
    }

    /// <summary>`ln_final` of the last text block's output for every position, [N, L, width].</summary>
    public Tensor TextHiddenStates(Tensor tokenIds) => ln_final.forward(transformer.forward(EmbedText(tokenIds)));

    /// <summary>
    /// Text embeddings, not normalised: [N, L] token ids → [N, embed_dim]. Because the mask is causal, no
    /// position after a sequence's pooled end token can change it, so the batch is cut at its longest one.
    /// </summary>
    public Tensor EncodeText(Tensor tokenIds)
    {
        using var scope = NewDisposeScope();
        tokenIds = tokenIds.to_type(ScalarType.Int64).to(Device);
        var endIndex = EndOfTextIndex(tokenIds);
        long needed = endIndex.max().item<long>() + 1;
        var hidden = TextHiddenStates(tokenIds[.., ..(int)needed]);
        var pooled = hidden[TensorArithmetic.Range(hidden.shape[0], Device), endIndex];
        return Precision.MatMul(pooled, text_projection).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The paper's logits: exp(logit_scale) · cos(image, text), [N_images, N_texts], and its transpose.
    /// </summary>
    public override (Tensor LogitsPerImage, Tensor LogitsPerText) forward(Tensor pixels, Tensor tokenIds)
    {
        using var scope = NewDisposeScope();
        var image = Normalize(EncodeImage(pixels));
        var text = Normalize(EncodeText(tokenIds));
        var logitsPerImage = logit_scale.exp() * image.matmul(text.t());
        return (logitsPerImage.MoveToOuterDisposeScope(), logitsPerImage.t().MoveToOuterDisposeScope());
    }

    /// <summary>exp(logit_scale) = 1/τ: the factor the cosine similarities are multiplied by (100 for a trained CLIP).</summary>
    public double InverseTemperature => Math.Exp(logit_scale.item<float>());

    /// <summary>Keeps the learned temperature in [1, 100] (logit_scale in [0, ln 100]), as the paper does after every step.</summary>
    public void ClampLogitScale()
    {
        using var _ = torch.no_grad();
        using Scalar low = 0.0.ToScalar(), high = MaxLogitScale.ToScalar();
        logit_scale.clamp_(low, high);
    }

    /// <summary>Unit L2 length along the last dimension: CLIP's <c>x / x.norm(dim=-1, keepdim=True)</c>.</summary>
    public static Tensor Normalize(Tensor embeddings) => embeddings.div(embeddings.norm(dim: -1, keepdim: true, p: 2));
}

/// <summary>
/// The token lookup table (torch.nn.Embedding's parameter name and initialisation, N(0, 1)). Ours because
/// TorchSharp's native Embedding draws its random weights in its constructor whatever is asked of it, which a
/// model about to be loaded should not pay for.
/// </summary>
public sealed class TokenEmbedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public TokenEmbedding(long count, long width, ParameterFactory parameters) : base(nameof(TokenEmbedding))
    {
        weight = parameters.Create([count, width], () =>
        {
            var initial = torch.empty(count, width);
            nn.init.normal_(initial);
            return initial;
        });
        RegisterComponents();
    }

    /// <summary>[...] token ids → [..., width].</summary>
    public override Tensor forward(Tensor tokenIds) =>
        weight.index_select(0, tokenIds.flatten()).view([.. tokenIds.shape, weight.shape[1]]);
}
