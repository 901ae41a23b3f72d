using ClipNet.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Image–text retrieval recall@K with several captions per image, given which image each caption describes.
/// Image→text: an image is a hit at K if any of its captions is among the K highest-scoring captions.
/// Text→image: a caption is a hit at K if its image is among the K highest-scoring images.
/// Ties: candidates are ordered by descending score and equal scores keep index order (lower index first),
/// as a stable sort would, so a tie helps the true candidate only when it has the lower index. A K of at
/// least the number of candidates makes every query a hit.
/// </summary>
public static class RetrievalMetrics
{
    public static IReadOnlyList<int> DefaultKs { get; } = [1, 5, 10];

    /// <summary>Rows of the cosine-similarity matrix scored at once, to bound memory on large test sets.</summary>
    const int QueryChunk = 1024;

    /// <summary>
    /// Scores by cosine similarity: both feature sets are L2-normalised first, as CLIP does, in float32
    /// (float64 when both are float64).
    /// </summary>
    /// <param name="captionImage">For each caption (row of <paramref name="textFeatures"/>), the index of its image.</param>
    public static RetrievalResult Compute(Tensor imageFeatures, Tensor textFeatures, IReadOnlyList<int> captionImage, IReadOnlyList<int>? ks = null)
    {
        EvaluationInputs.RequireMatrix(imageFeatures, "Image features");
        EvaluationInputs.RequireMatrix(textFeatures, "Text features");
        EvaluationInputs.RequireSameDimension(imageFeatures, "Image features", textFeatures, "text features");
        using var scope = NewDisposeScope();
        var dtype = imageFeatures.dtype == ScalarType.Float64 && textFeatures.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var images = ClipModel.Normalize(imageFeatures.to_type(dtype));
        var texts = ClipModel.Normalize(textFeatures.to_type(dtype));
        return Rank(
            (int)images.shape[0], (int)texts.shape[0], captionImage, ks,
            (start, end) => images[start..end].matmul(texts.t()),
            (start, end) => texts[start..end].matmul(images.t()));
    }

    /// <summary>From a precomputed similarity matrix [images, captions].</summary>
    public static RetrievalResult FromSimilarity(Tensor similarity, IReadOnlyList<int> captionImage, IReadOnlyList<int>? ks = null)
    {
        EvaluationInputs.RequireMatrix(similarity, "The image–text similarity matrix");
        return Rank(
            (int)similarity.shape[0], (int)similarity.shape[1], captionImage, ks,
            (start, end) => similarity[start..end],
            (start, end) => similarity[.., start..end].t());
    }

    /// <summary>Ranks every query, a chunk of rows at a time; the delegates give the scores of query rows [start, end).</summary>
    static RetrievalResult Rank(
        int imageCount, int textCount, IReadOnlyList<int> captionImage, IReadOnlyList<int>? ks,
        Func<int, int, Tensor> imageQueryScores, Func<int, int, Tensor> textQueryScores)
    {
        ks ??= DefaultKs;
        if (ks.Count == 0 || ks.Any(k => k < 1))
            throw new ClipNetException($"Recall@K needs K of at least 1, but was asked for K = [{string.Join(", ", ks)}].");
        RequireCaptionMap(captionImage, imageCount, textCount);

        using var scope = NewDisposeScope();
        var owner = tensor(captionImage.Select(i => (long)i).ToArray());
        var imageRanks = new List<int>(imageCount);
        for (int start = 0; start < imageCount; start += QueryChunk)
        {
            using var chunkScope = NewDisposeScope();
            int end = Math.Min(start + QueryChunk, imageCount);
            var scores = imageQueryScores(start, end);
            EvaluationInputs.RequireFinite(scores, "Image–text similarities");
            var imageIndex = TensorArithmetic.Range(start, end, scores.device).unsqueeze(1);
            var isOwnCaption = owner.to(scores.device).unsqueeze(0).eq(imageIndex);
            imageRanks.AddRange(Ranking.RankOfFirst(scores, isOwnCaption).cpu().data<long>().ToArray().Select(r => (int)r));
        }
        var textRanks = new List<int>(textCount);
        for (int start = 0; start < textCount; start += QueryChunk)
        {
            using var chunkScope = NewDisposeScope();
            int end = Math.Min(start + QueryChunk, textCount);
            var scores = textQueryScores(start, end);
            EvaluationInputs.RequireFinite(scores, "Image–text similarities");
            textRanks.AddRange(Ranking.RankOf(scores, owner[start..end].to(scores.device)).cpu().data<long>().ToArray().Select(r => (int)r));
        }

        var sortedKs = ks.Distinct().Order().ToArray();
        return new RetrievalResult(
            imageCount, textCount,
            sortedKs.ToDictionary(k => k, k => Ranking.Recall(imageRanks, k)),
            sortedKs.ToDictionary(k => k, k => Ranking.Recall(textRanks, k)),
            imageRanks, textRanks);
    }

    static void RequireCaptionMap(IReadOnlyList<int> captionImage, int imageCount, int textCount)
    {
        if (captionImage.Count != textCount)
            throw new ClipNetException($"The caption-to-image map has {captionImage.Count} entries but there are {textCount} captions.");
        var captioned = new bool[imageCount];
        for (int t = 0; t < textCount; t++)
        {
            if (captionImage[t] < 0 || captionImage[t] >= imageCount)
                throw new ClipNetException($"Caption {t} is mapped to image {captionImage[t]}, but there are only {imageCount} images (0 to {imageCount - 1}).");
            captioned[captionImage[t]] = true;
        }
        int uncaptioned = Array.IndexOf(captioned, false);
        // Such an image could never be retrieved correctly and would silently lower image→text recall.
        if (uncaptioned >= 0)
            throw new ClipNetException($"Image {uncaptioned} has no caption in the caption-to-image map; every image needs at least one.");
    }
}

/// <summary>
/// Recall@K in both directions (see <see cref="RetrievalMetrics"/> for the hit and tie rules), with the
/// rank of every query so that other K, medians or rank histograms need no recomputation.
/// </summary>
/// <param name="ImageToTextRanks">Per image: 0-based place of its best-placed own caption among all captions.</param>
/// <param name="TextToImageRanks">Per caption: 0-based place of its image among all images.</param>
public sealed record RetrievalResult(
    int ImageCount,
    int TextCount,
    IReadOnlyDictionary<int, double> ImageToTextRecall,
    IReadOnlyDictionary<int, double> TextToImageRecall,
    IReadOnlyList<int> ImageToTextRanks,
    IReadOnlyList<int> TextToImageRanks);
