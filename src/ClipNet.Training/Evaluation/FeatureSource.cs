using ClipNet.Data;

namespace ClipNet.Evaluation;

/// <summary>
/// Where an evaluation gets its image features: a dataset to embed, a feature file written earlier
/// (<see cref="FeatureSet.Save"/>), or both — then the file is read when it exists and otherwise written
/// from the dataset, so repeated evaluations embed the images once.
/// </summary>
/// <param name="Data">A dataset path <see cref="DatasetFactory"/> opens.</param>
/// <param name="Features">A feature file (.safetensors).</param>
/// <param name="Limit">Use only the first this many images (all when null).</param>
public sealed record FeatureSource(string? Data = null, string? Features = null, int? Limit = null)
{
    /// <summary>Records (and may announce) the dataset's images that could not be read and were left out.</summary>
    public DataProblemLog? Problems { get; init; }

    /// <summary>What the features are called in messages: the feature file if there is one, else the dataset.</summary>
    public string Describe() => Features ?? Data ?? "no images";

    /// <summary>
    /// The features, checked against the model's embedding dimension when a model is given. A model is
    /// needed only to embed a dataset.
    /// </summary>
    public FeatureSet Obtain(Clip? clip, IProgress<(int Done, int Total)>? progress = null)
    {
        if (Limit is < 1) throw new ClipNetException($"the image limit must be at least 1, got {Limit}");
        if (Features is not null && File.Exists(Features))
        {
            var loaded = FeatureSet.Load(Features);
            if (clip is not null && loaded.Dimension != clip.EmbeddingDimension)
            {
                long dimension = loaded.Dimension;
                loaded.Dispose();
                throw new ClipNetException(
                    $"{Features}: its image features have dimension {dimension} (made with {loaded.Model}) but the model {clip.Source} embeds to dimension {clip.EmbeddingDimension}");
            }
            if (Limit is not int limit) return loaded;
            using (loaded) return loaded.Take(limit);
        }
        if (Data is null)
            throw new ClipNetException(Features is null
                ? "no images to evaluate: give a dataset or a feature file"
                : $"{Features}: feature file not found, and no dataset was given to make it from");
        if (clip is null)
            throw new ClipNetException($"{Data}: a model is needed to embed the images of this dataset");
        var extracted = FeatureExtraction.Extract(clip, Data, Limit, progress, Problems);
        if (Features is not null) extracted.Save(Features);
        return extracted;
    }
}
