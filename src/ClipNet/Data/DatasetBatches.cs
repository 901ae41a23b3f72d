using ClipNet.Text;
using ClipNet.Vision;
using TorchSharp;

namespace ClipNet.Data;

/// <summary>
/// Training batches read from a dataset: each epoch in its seeded shuffled order, images decoded and
/// augmented by parallel workers a few batches ahead of the model, one caption per item chosen at random
/// when it has several. The crop and the caption of an item depend only on (seed, epoch, item), so batches
/// are identical whatever the number of workers and a resumed run sees the batches an uninterrupted one would.
/// The last partial batch of an epoch is dropped.
/// </summary>
/// <remarks>
/// An item that cannot be loaded is skipped and recorded in <see cref="Problems"/>; its place in the batch
/// goes to the next readable items of the epoch's order after that batch (wrapping round), which keeps
/// batches full and every batch a function of its index alone. Such a stand-in may be seen twice in the
/// epoch, never twice in one batch.
/// </remarks>
public sealed class DatasetBatches : ITrainingBatches
{
    readonly IImageTextDataset dataset;
    readonly ClipTokenizer tokenizer;
    readonly IImageTransform transform;
    readonly int batchSize;
    readonly int seed;

    public DatasetBatches(IImageTextDataset dataset, ClipTokenizer tokenizer, IImageTransform transform, int batchSize, int seed)
    {
        if (batchSize <= 0) throw new ClipNetException($"the batch size must be positive, got {batchSize}");
        if (dataset.Count == 0) throw new ClipNetException($"{dataset.Name}: the dataset is empty");
        if (dataset.Count < batchSize)
            throw new ClipNetException($"{dataset.Name}: {dataset.Count} items, fewer than one batch of {batchSize}; lower the batch size");
        this.dataset = dataset;
        this.tokenizer = tokenizer;
        this.transform = transform;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /// <summary>Threads decoding images at once.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Batches prepared ahead of the one being trained on.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Skipped items and truncated captions; shares its warnings with whoever set <see cref="DataProblemLog.Warn"/>.</summary>
    public DataProblemLog Problems { get; init; } = new();

    public int BatchSize => batchSize;
    public int BatchesPerEpoch => dataset.Count / batchSize;

    public IEnumerable<TrainingBatch> Epoch(int epoch, int startBatch)
    {
        if (startBatch < 0 || startBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(startBatch), startBatch, $"an epoch has {BatchesPerEpoch} batches");
        if (Workers <= 0 || PrefetchBatches <= 0)
            throw new ClipNetException($"workers and prefetch batches must be positive, got {Workers} and {PrefetchBatches}");
        return BoundedPrefetch.Ahead(token => Batches(epoch, startBatch, token), PrefetchBatches);
    }

    IEnumerable<TrainingBatch> Batches(int epoch, int startBatch, CancellationToken token)
    {
        var order = EpochOrder.Permutation(dataset.Count, seed, epoch);
        for (int b = startBatch; b < BatchesPerEpoch; b++)
        {
            token.ThrowIfCancellationRequested();
            yield return Batch(order, epoch, b, token);
        }
    }

    TrainingBatch Batch(int[] order, int epoch, int batch, CancellationToken token)
    {
        int first = batch * batchSize;
        var slots = new PreparedSample?[batchSize];
        Prepare(order.AsSpan(first, batchSize).ToArray(), epoch, slots, token);

        // Stand-ins come from the positions after this batch, round the epoch's order back to its start.
        int next = batchSize;
        for (var empty = EmptySlots(slots); empty.Count > 0; empty = EmptySlots(slots))
        {
            var indices = new List<int>(empty.Count);
            while (indices.Count < empty.Count && next < order.Length)
            {
                int index = order[(first + next++) % order.Length];
                if (!Problems.IsSkipped(index)) indices.Add(index);
            }
            if (indices.Count == 0)
                throw new ClipNetException(
                    $"{dataset.Name}: fewer than {batchSize} of its {dataset.Count} items could be read, not enough for one batch " +
                    $"(first problem: {Problems.SkippedSamples.FirstOrDefault()})");
            var standIns = new PreparedSample?[indices.Count];
            Prepare([.. indices], epoch, standIns, token);
            var ready = new Queue<PreparedSample>(standIns.OfType<PreparedSample>());
            foreach (int slot in empty)
                if (ready.TryDequeue(out var sample)) slots[slot] = sample;
        }
        return Collate(slots!);
    }

    static List<int> EmptySlots(PreparedSample?[] slots) => [.. Enumerable.Range(0, slots.Length).Where(i => slots[i] is null)];

    void Prepare(int[] indices, int epoch, PreparedSample?[] into, CancellationToken token) =>
        Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = token },
            i => into[i] = TryPrepare(indices[i], epoch));

    sealed record PreparedSample(float[] Pixels, int[] TokenIds);

    PreparedSample? TryPrepare(int index, int epoch)
    {
        if (Problems.IsSkipped(index)) return null;
        try
        {
            var sample = dataset.Load(index);
            if (sample.Captions.Count == 0) throw new ClipNetException("no caption");
            string caption = sample.Captions.Count == 1 ? sample.Captions[0]
                : sample.Captions[EpochSampleRandom.For(seed, epoch, index, SampleRandomUse.CaptionChoice).Next(sample.Captions.Count)];
            var pixels = transform.Apply(sample.Image, EpochSampleRandom.For(seed, epoch, index, SampleRandomUse.Augmentation));
            return new PreparedSample(pixels, Tokenize(index, caption));
        }
        catch (Exception e) when (DataProblemLog.IsSampleProblem(e))
        {
            Problems.Skip(index, dataset.Describe(index), e);
            return null;
        }
    }

    int[] Tokenize(int index, string caption)
    {
        int context = tokenizer.ContextLength, tokens = tokenizer.Encode(caption).Length + 2;
        if (tokens > context) Problems.Truncate(index, new TruncatedCaption(dataset.Describe(index), caption, tokens, context));
        return tokenizer.Tokenize(caption, context, truncate: true);
    }

    TrainingBatch Collate(PreparedSample[] samples)
    {
        int context = tokenizer.ContextLength;
        var tokenIds = new long[samples.Length * context];
        for (int i = 0; i < samples.Length; i++)
            for (int t = 0; t < context; t++) tokenIds[i * context + t] = samples[i].TokenIds[t];
        return new TrainingBatch(
            PixelBatch.Stack([.. samples.Select(s => s.Pixels)], transform.Size),
            torch.tensor(tokenIds, [samples.Length, context], torch.int64));
    }
}
