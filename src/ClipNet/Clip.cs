using ClipNet.Checkpoints;
using ClipNet.Hub;
using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet;

/// <summary>
/// The everyday API: load a model from a path, embed images and texts, compare them.
/// <code>
/// using var clip = Clip.Load("openai/clip-vit-base-patch32");
/// var probabilities = clip.Probabilities(clip.EncodeImages(["cat.jpg"]), clip.EncodeTexts(["a cat", "a dog"]));
/// </code>
/// Embeddings are L2-normalised unless <c>normalize: false</c> is passed.
/// </summary>
public sealed class Clip : IDisposable
{
    public ClipModel Model { get; }
    public ClipTokenizer Tokenizer { get; }
    public ImagePreprocessor Preprocessor { get; }
    public string Source { get; }
    /// <summary>The file format it was loaded from; null for a model built in memory (e.g. while training).</summary>
    public StateDictFormat? Format { get; }
    /// <summary>What loading had to guess, such as head counts for weights without their config (shown as warnings by the CLI).</summary>
    public IReadOnlyList<string> LoadWarnings { get; init; } = [];
    /// <summary>Images and texts are embedded this many at a time.</summary>
    public int BatchSize { get; set; } = 32;

    public Clip(ClipModel model, ClipTokenizer tokenizer, ImagePreprocessor preprocessor, string source, StateDictFormat? format = null)
    {
        Model = model; Tokenizer = tokenizer; Preprocessor = preprocessor; Source = source; Format = format;
        Model.eval();
    }

    /// <summary>
    /// Loads a model by path, hub id (`openai/clip-vit-base-patch32[@rev]`, `hf-hub:org/name`) or open_clip pretrained
    /// name (`ViT-B-32:laion2b_s34b_b79k`); hub models come from the shared Hugging Face cache, downloaded if missing.
    /// </summary>
    public static Clip Load(string model, ScalarType dtype = ScalarType.Float32, Device? device = null, HubSettings? hub = null) =>
        FromLoaded(ModelReference.Load(model, dtype, device, hub));

    /// <summary>Loads a model already resolved (and downloaded) by <see cref="ModelReference.Resolve"/>.</summary>
    public static Clip Load(ModelLocation location, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        FromLoaded(ModelReference.Load(location, dtype, device));

    /// <remarks>A model loaded here is for inference, so it is frozen for it (<see cref="ClipModel.FreezeForInference"/>).</remarks>
    static Clip FromLoaded(LoadedModel loaded)
    {
        loaded.Model.FreezeForInference();
        return new(loaded.Model, loaded.Tokenizer, loaded.Preprocessor, loaded.Source, loaded.Format) { LoadWarnings = loaded.Warnings };
    }

    public int EmbeddingDimension => Model.Config.EmbedDim;
    /// <summary>exp(logit_scale) = 1/τ, the multiplier of cosine similarities in the logits.</summary>
    public double InverseTemperature => Model.InverseTemperature;

    /// <summary>Image embeddings [N, D] as float32 on the CPU, in input order.</summary>
    public Tensor EncodeImages(IReadOnlyList<string> paths, bool normalize = true) =>
        EncodeInBatches(paths.Count, (start, count) => Preprocessor.PreprocessBatch(paths.Skip(start).Take(count).ToList()),
            batch => Model.EncodeImage(batch.to_type(Model.DType)), normalize);

    /// <summary>Embeddings of already preprocessed pixels [N, 3, S, S].</summary>
    public Tensor EncodePixels(Tensor pixels, bool normalize = true) =>
        EncodeInBatches((int)pixels.shape[0], (start, count) => pixels.narrow(0, start, count),
            batch => Model.EncodeImage(batch.to_type(Model.DType)), normalize);

    /// <summary>Texts tokenized, sorted and put back at a time: enough for many batches of similar length.</summary>
    const int TextsSortedTogether = 4096;

    /// <summary>
    /// Text embeddings [N, D] in input order; a text longer than the context is an error unless <paramref name="truncate"/>.
    /// The texts are encoded in batches of similar token length (each batch is cut at its longest text, see
    /// <see cref="ClipModel.EncodeText"/>), so short captions and prompts cost their own length, not 77 tokens.
    /// </summary>
    public Tensor EncodeTexts(IReadOnlyList<string> texts, bool normalize = true, bool truncate = false)
    {
        if (texts.Count == 0) return torch.zeros(0, EmbeddingDimension);
        var parts = new List<Tensor>();
        for (int start = 0; start < texts.Count; start += TextsSortedTogether)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(TextsSortedTogether, texts.Count - start);
            var ids = Tokenizer.TokenizeBatch(texts.Skip(start).Take(count).ToList(), Model.Config.Text.ContextLength, truncate);
            var byLength = Model.EndOfTextIndex(ids).cpu().argsort();
            var sorted = EncodeInBatches(count, (first, size) => ids.index_select(0, byLength.narrow(0, first, size)), Model.EncodeText, normalize);
            parts.Add(sorted.index_select(0, byLength.argsort()).MoveToOuterDisposeScope());
        }
        return parts.Count == 1 ? parts[0] : torch.cat(parts.ToArray());
    }

    Tensor EncodeInBatches(int total, Func<int, int, Tensor> makeBatch, Func<Tensor, Tensor> encode, bool normalize)
    {
        if (total == 0) return torch.zeros(0, EmbeddingDimension);
        var parts = new List<Tensor>();
        using (torch.no_grad())
            for (int start = 0; start < total; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var embeddings = encode(makeBatch(start, Math.Min(BatchSize, total - start))).to_type(ScalarType.Float32).cpu();
                if (normalize) embeddings = ClipModel.Normalize(embeddings);
                parts.Add(embeddings.MoveToOuterDisposeScope());
            }
        return torch.cat(parts.ToArray());
    }

    /// <summary>Cosine similarities [images, texts] of normalised embeddings.</summary>
    public static Tensor Similarity(Tensor imageEmbeddings, Tensor textEmbeddings) =>
        ClipModel.Normalize(imageEmbeddings).matmul(ClipModel.Normalize(textEmbeddings).t());

    /// <summary>Per image, a softmax over the texts of the temperature-scaled similarities (zero-shot probabilities).</summary>
    public Tensor Probabilities(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        using var scope = NewDisposeScope();
        using var inverseTemperature = InverseTemperature.ToScalar();
        return Similarity(imageEmbeddings, textEmbeddings).mul(inverseTemperature).softmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Saves the model as a Hugging Face `CLIPModel` folder or as OpenCLIP safetensors (see <see cref="ModelExporter"/>).</summary>
    public void Export(ExportFormat format, string output) => ModelExporter.Export(Model, Tokenizer, Preprocessor, format, output);

    public void Dispose() => Model.Dispose();
}
