using ClipNet.Data;
using ClipNet.Embeddings;
using static TorchSharp.torch;

namespace ClipNet.Evaluation;

/// <summary>
/// Embeds a whole dataset with a frozen model, in dataset order, through the pipelined embedder (the reference eval
/// transform, decoding on workers ahead of the model). Images that cannot be read are left out and listed in the
/// returned log rather than ending the run. Each row records the item's id and dataset position
/// (<see cref="FeatureSet.Items"/>), so the shards of one dataset, embedded anywhere, merge back into it.
/// </summary>
public static class FeatureExtraction
{
    /// <param name="limit">Embed only the first this many readable items (of the shard; all when null).</param>
    /// <param name="progress">Told (items done, items to do) after each batch, on the caller's thread.</param>
    /// <param name="shard">Embed only this shard's items (<see cref="Shard.Whole"/> when null).</param>
    /// <param name="embedCaptions">Also embed each row's first caption into <see cref="FeatureSet.TextFeatures"/> (length-bucketed,
    /// cut at the context length as clip-retrieval's tokenizer does), as clip-retrieval's inference does with enable_text.</param>
    public static FeatureSet Extract(Clip clip, IImageTextDataset dataset, int? limit = null, IProgress<(int Done, int Total)>? progress = null,
        DataProblemLog? problems = null, Shard? shard = null, bool embedCaptions = false)
    {
        if (limit is < 1) throw new ClipNetException($"the image limit must be at least 1, got {limit}");
        var selected = shard ?? Shard.Whole;
        int[] positions = selected.IsWhole ? [.. Enumerable.Range(0, dataset.Count)] : selected.Positions(dataset);
        if (positions.Length == 0)
            throw new ClipNetException($"{dataset.Name}: shard {selected} holds none of its {dataset.Count} items; use fewer shards");
        var items = DatasetSplit.Subset(dataset, positions, $"shard {selected}");
        int wanted = Math.Min(limit ?? int.MaxValue, items.Count);
        var log = problems ?? new DataProblemLog();
        // Filled by the decoding threads, each its own slot, read when that item's embedding arrives.
        var samples = new (int Label, IReadOnlyList<string> Captions)[items.Count];
        var embeddings = new PipelinedImageEmbedder(clip) { Normalize = false }.Embed([.. Enumerable.Range(0, items.Count)], (index, _) =>
        {
            var sample = items.Load(index);
            samples[index] = (sample.Label, sample.Captions);
            return sample.Image;
        }, progress is null ? null : new Capped(progress, wanted));

        var vectors = new List<float[]>(wanted);
        var labels = new List<long>(wanted);
        var captions = new List<IReadOnlyList<string>>(wanted);
        var ids = new List<string>(wanted);
        var rowPositions = new List<long>(wanted);
        foreach (var embedding in embeddings)
        {
            int index = embedding.Index;
            if (embedding.Problem is { } problem)
            {
                log.Skip(index, items.Describe(index), problem);
                continue;
            }
            vectors.Add(embedding.Vector!);
            labels.Add(samples[index].Label);
            captions.Add(samples[index].Captions);
            ids.Add(items.Id(index));
            rowPositions.Add(positions[index]);
            if (vectors.Count == wanted) break;
        }
        if (vectors.Count == 0)
            throw new ClipNetException($"{dataset.Name}: none of its images could be read, so there is nothing to evaluate");
        var features = tensor(vectors.SelectMany(v => v).ToArray(), [vectors.Count, vectors[0].Length]);
        var textFeatures = embedCaptions ? EmbedFirstCaptions(clip, dataset.Name, ids, captions) : null;
        return new FeatureSet(features, labels, captions, dataset.ClassNames, clip.Source, dataset.Name,
            new FeatureItems(ids, rowPositions, selected), textFeatures);
    }

    static Tensor EmbedFirstCaptions(Clip clip, string dataset, IReadOnlyList<string> ids, IReadOnlyList<IReadOnlyList<string>> captions)
    {
        for (int row = 0; row < captions.Count; row++)
            if (captions[row].Count == 0)
                throw new ClipNetException($"{dataset}: item '{ids[row]}' has no caption, so the captions cannot be embedded row for row; embed the images alone (--no-text)");
        return clip.EncodeTexts([.. captions.Select(c => c[0])], normalize: false, truncate: true);
    }

    /// <summary>Opens <paramref name="dataPath"/> (any format <see cref="DatasetFactory"/> reads) and embeds it.</summary>
    public static FeatureSet Extract(Clip clip, string dataPath, int? limit = null, IProgress<(int Done, int Total)>? progress = null,
        DataProblemLog? problems = null, Shard? shard = null, bool embedCaptions = false) =>
        Extract(clip, DatasetFactory.Open(dataPath), limit, progress, problems, shard, embedCaptions);

    /// <summary>Progress counted against the items wanted, since a limit stops the loader before the dataset's end.</summary>
    sealed class Capped(IProgress<(int Done, int Total)> inner, int total) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => inner.Report((Math.Min(value.Done, total), total));
    }
}
