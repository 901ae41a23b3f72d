namespace ClipNet.Evaluation;

/// <summary>The cosine similarity of every image with every text, the quantity CLIP's logits scale.</summary>
public static class SimilarityMatrix
{
    /// <summary>[images, texts] cosine similarities; texts longer than the context are truncated.</summary>
    public static float[,] Compute(Clip clip, IReadOnlyList<string> imagePaths, IReadOnlyList<string> texts)
    {
        if (imagePaths.Count == 0 || texts.Count == 0)
            throw new ClipNetException("a similarity matrix needs at least one image and one text");
        using var images = clip.EncodeImages(imagePaths);
        using var textEmbeddings = clip.EncodeTexts(texts, normalize: true, truncate: true);
        using var similarity = Clip.Similarity(images, textEmbeddings);
        var flat = similarity.data<float>().ToArray();
        var result = new float[imagePaths.Count, texts.Count];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }
}
