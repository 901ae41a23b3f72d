using ClipNet.Checkpoints;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Embeddings;

/// <summary>
/// Writes embeddings to a safetensors file: `image_embeds` and `text_embeds` (float32, input order, normalised
/// unless raw) and `logit_scale`, the names Hugging Face's `CLIPModel` outputs use.
/// </summary>
public static class EmbeddingFile
{
    public static void Write(Clip clip, IReadOnlyList<string> images, IReadOnlyList<string> texts, string outputPath, bool normalize, bool truncate)
    {
        if (images.Count == 0 && texts.Count == 0) throw new ClipNetException("nothing to embed: give at least one --image or --text");
        var tensors = new Dictionary<string, Tensor>();
        if (images.Count > 0) tensors["image_embeds"] = clip.EncodeImages(images, normalize);
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
}
