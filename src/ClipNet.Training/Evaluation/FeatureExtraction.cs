using ClipNet.Data;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Embeds a whole dataset with a frozen model, in dataset order, a chunk at a time (the reference eval
/// transform, decoding on parallel workers one chunk ahead). Images that cannot be read are left out and
/// listed in the returned log rather than ending the run.
/// </summary>
public static class FeatureExtraction
{
    public const int DefaultChunkSize = 256;

    /// <param name="limit">Embed only the first this many items (all when null).</param>
    /// <param name="progress">Told (items done, items to do) after each chunk, on the caller's thread.</param>
    public static FeatureSet Extract(Clip clip, IImageTextDataset dataset, int? limit = null, IProgress<(int Done, int Total)>? progress = null,
        DataProblemLog? problems = null)
    {
        if (limit is < 1) throw new ClipNetException($"the image limit must be at least 1, got {limit}");
        int wanted = Math.Min(limit ?? int.MaxValue, dataset.Count);
        var loader = new EvaluationLoader(dataset, clip.Preprocessor) { Problems = problems ?? new DataProblemLog() };
        var parts = new List<Tensor>();
        var labels = new List<long>(wanted);
        var captions = new List<IReadOnlyList<string>>(wanted);
        try
        {
            foreach (var chunk in loader.Chunks(Math.Min(DefaultChunkSize, Math.Max(wanted, 1)), progress is null ? null : new Capped(progress, wanted)))
            {
                using (chunk)
                {
                    int rows = Math.Min(chunk.Count, wanted - labels.Count);
                    using var pixels = chunk.Pixels.narrow(0, 0, rows);
                    parts.Add(clip.EncodePixels(pixels, normalize: false));
                    labels.AddRange(chunk.Labels.Take(rows).Select(l => (long)l));
                    captions.AddRange(chunk.Captions.Take(rows));
                }
                if (labels.Count == wanted) break;
            }
            if (parts.Count == 0)
                throw new ClipNetException($"{dataset.Name}: none of its images could be read, so there is nothing to evaluate");
            return new FeatureSet(cat(parts.ToArray()), labels, captions, dataset.ClassNames, clip.Source, dataset.Name);
        }
        finally
        {
            foreach (var part in parts) part.Dispose();
        }
    }

    /// <summary>Opens <paramref name="dataPath"/> (any format <see cref="DatasetFactory"/> reads) and embeds it.</summary>
    public static FeatureSet Extract(Clip clip, string dataPath, int? limit = null, IProgress<(int Done, int Total)>? progress = null,
        DataProblemLog? problems = null) =>
        Extract(clip, DatasetFactory.Open(dataPath), limit, progress, problems);

    /// <summary>Progress counted against the items wanted, since a limit stops the loader before the dataset's end.</summary>
    sealed class Capped(IProgress<(int Done, int Total)> inner, int total) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => inner.Report((Math.Min(value.Done, total), total));
    }
}
