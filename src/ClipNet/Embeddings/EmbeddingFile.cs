using ClipNet.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Embeddings;

/// <summary>
/// Writes embeddings to a safetensors file: `image_embeds` and `text_embeds` (float32, input order, normalised
/// unless raw) and `logit_scale`, the names Hugging Face's `CLIPModel` outputs use.
/// </summary>
public static class EmbeddingFile
{
    /// <param name="progress">Told (images embedded, images) as the images go through the model.</param>
    public static void Write(Clip clip, IReadOnlyList<string> images, IReadOnlyList<string> texts, string outputPath, bool normalize, bool truncate,
        IProgress<(int Done, int Total)>? progress = null)
    {
        if (images.Count == 0 && texts.Count == 0) throw new ClipNetException("nothing to embed: give at least one --image or --text");
        var tensors = new Dictionary<string, Tensor>();
        if (images.Count > 0) tensors["image_embeds"] = EmbedImages(clip, images, normalize, progress);
        if (texts.Count > 0) tensors["text_embeds"] = clip.EncodeTexts(texts, normalize, truncate);
        if (tensors.TryGetValue("image_embeds", out var imageEmbeds)) FiniteEmbeddings.Require(imageEmbeds, i => images[i], clip.Source);
        if (tensors.TryGetValue("text_embeds", out var textEmbeds)) FiniteEmbeddings.Require(textEmbeds, i => $"text {i + 1} \"{texts[i]}\"", clip.Source);
        tensors["logit_scale"] = clip.Model.logit_scale.detach().to_type(ScalarType.Float32).cpu();
        var metadata = new Dictionary<string, string>
        {
            ["model"] = clip.Source,
            ["normalized"] = normalize ? "true" : "false",
            ["images"] = System.Text.Json.JsonSerializer.Serialize(images),
            ["texts"] = System.Text.Json.JsonSerializer.Serialize(texts),
        };
        SafeTensorsWriter.Write(outputPath, tensors, metadata);
    }

    /// <summary>[N, D] in input order, through the pipelined embedder; the first image that cannot be read is the error.</summary>
    static Tensor EmbedImages(Clip clip, IReadOnlyList<string> images, bool normalize, IProgress<(int Done, int Total)>? progress)
    {
        int dimension = clip.EmbeddingDimension;
        var values = new float[checked(images.Count * dimension)];
        foreach (var embedding in new PipelinedImageEmbedder(clip) { Normalize = normalize }.Embed(images, progress))
        {
            string path = images[embedding.Index];
            if (embedding.Problem is { } problem) throw new ClipNetException(problem.Contains(path, StringComparison.Ordinal) ? problem : $"{path}: {problem}");
            embedding.Vector!.CopyTo(values.AsSpan(embedding.Index * dimension));
        }
        return torch.tensor(values, [images.Count, dimension]);
    }
}
