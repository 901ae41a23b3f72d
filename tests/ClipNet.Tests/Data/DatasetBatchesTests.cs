using ClipNet.Text;
using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class DatasetBatchesTests : IDisposable
{
    const int ItemCount = 12, BatchSize = 4, Size = 16, Seed = 7;
    static readonly string[] ExtraCaptionsOfItem4 = ["item four", "the fourth item", "number four of twelve"];

    readonly DataFolder folder = new();
    readonly string manifest;
    readonly Dictionary<string, int> itemOfTokens = [];

    public DatasetBatchesTests()
    {
        var rows = new List<string> { "image\tcaption" };
        for (int i = 0; i < ItemCount; i++)
        {
            folder.WriteImage($"img/{i:D2}.png", shade: Shade(i), width: 48 + i, height: 40);
            rows.Add($"img/{i:D2}.png\titem number {i}");
            Remember($"item number {i}", i);
        }
        foreach (var caption in ExtraCaptionsOfItem4)
        {
            rows.Add($"img/04.png\t{caption}");
            Remember(caption, 4);
        }
        manifest = folder.WriteText("pairs.tsv", string.Join("\n", rows) + "\n");
    }

    public void Dispose() => folder.Dispose();

    static int Shade(int item) => 20 * item + 10;

    void Remember(string caption, int item) => itemOfTokens[Key(ClipTokenizer.Default.Tokenize(caption))] = item;

    static string Key(IEnumerable<long> ids) => string.Join(",", ids);
    static string Key(IEnumerable<int> ids) => string.Join(",", ids);

    DatasetBatches Loader(int workers = 2, int prefetch = 2, int seed = Seed, DataProblemLog? problems = null, string? path = null, int batchSize = BatchSize) =>
        new(DatasetFactory.Open(path ?? manifest), ClipTokenizer.Default, new RandomResizedCropTransform(Size), batchSize, seed)
        {
            Workers = workers, PrefetchBatches = prefetch, Problems = problems ?? new DataProblemLog(),
        };

    /// <summary>The dataset item of each row, read from its caption's tokens; checks the pixels show the same item.</summary>
    List<int> Items(TrainingBatch batch)
    {
        var items = new List<int>();
        for (int row = 0; row < batch.Count; row++)
        {
            int item = itemOfTokens[Key(batch.TokenIds[row].data<long>().ToArray())];
            // Red is constant in every image, so it survives cropping and resizing up to rounding.
            float normalized = batch.Pixels[row, 0, Size / 2, Size / 2].item<float>();
            double red = (normalized * ImagePreprocessor.ClipStd[0] + ImagePreprocessor.ClipMean[0]) * 255;
            Assert.InRange(red, Shade(item) - 2, Shade(item) + 2);
            items.Add(item);
        }
        return items;
    }

    static List<TrainingBatch> Read(DatasetBatches loader, int epoch, int startBatch = 0) => [.. loader.Epoch(epoch, startBatch)];

    static void AssertSameBatches(List<TrainingBatch> expected, List<TrainingBatch> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int b = 0; b < expected.Count; b++)
        {
            Assert.Equal(expected[b].Pixels.data<float>().ToArray(), actual[b].Pixels.data<float>().ToArray());
            Assert.Equal(expected[b].TokenIds.data<long>().ToArray(), actual[b].TokenIds.data<long>().ToArray());
        }
    }

    [Fact]
    public void EachEpochShowsEveryItemOnceInFullBatchesWithMatchingPixelsAndCaptions()
    {
        var loader = Loader();
        Assert.Equal(3, loader.BatchesPerEpoch);
        var batches = Read(loader, epoch: 0);

        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Equal(new long[] { BatchSize, 3, Size, Size }, b.Pixels.shape));
        Assert.All(batches, b => Assert.Equal(new long[] { BatchSize, 77 }, b.TokenIds.shape));
        Assert.All(batches, b => Assert.Equal(torch.int64, b.TokenIds.dtype));
        var seen = batches.SelectMany(Items).ToList();
        Assert.Equal(Enumerable.Range(0, ItemCount), seen.Order());
        Assert.Equal(EpochOrder.Permutation(ItemCount, Seed, 0), seen);
    }

    [Fact]
    public void SameSeedAndEpochGiveIdenticalBatchesWhateverTheWorkersAndPrefetch()
    {
        AssertSameBatches(Read(Loader(workers: 1, prefetch: 1), epoch: 3), Read(Loader(workers: 4, prefetch: 3), epoch: 3));
    }

    [Fact]
    public void AnotherEpochOrSeedGivesAnotherOrderAndOtherCrops()
    {
        var loader = Loader();
        var epoch0 = Read(loader, 0);
        var epoch1 = Read(loader, 1);
        Assert.NotEqual(epoch0.SelectMany(Items), epoch1.SelectMany(Items));
        Assert.NotEqual(epoch0.SelectMany(Items), Read(Loader(seed: Seed + 1), 0).SelectMany(Items));

        var pixels0 = PixelsByItem(epoch0);
        var pixels1 = PixelsByItem(epoch1);
        int changed = Enumerable.Range(0, ItemCount).Count(i => !pixels0[i].SequenceEqual(pixels1[i]));
        Assert.True(changed >= ItemCount / 2, $"only {changed} of {ItemCount} items got a different crop in the next epoch");
    }

    Dictionary<int, float[]> PixelsByItem(List<TrainingBatch> batches)
    {
        var result = new Dictionary<int, float[]>();
        foreach (var batch in batches)
        {
            var items = Items(batch);
            for (int row = 0; row < items.Count; row++) result[items[row]] = batch.Pixels[row].data<float>().ToArray();
        }
        return result;
    }

    [Fact]
    public void ResumingMidEpochGivesTheRemainingBatchesOfAnUninterruptedEpoch()
    {
        var loader = Loader();
        AssertSameBatches(Read(loader, 2).Skip(1).ToList(), Read(loader, 2, startBatch: 1));
    }

    [Fact]
    public void CaptionOfAnItemWithSeveralIsChosenPerEpochReproducibly()
    {
        string ChosenForItem4(DatasetBatches loader, int epoch)
        {
            foreach (var batch in Read(loader, epoch))
            {
                var items = Items(batch);
                int row = items.IndexOf(4);
                if (row >= 0) return ClipTokenizer.Default.Decode(batch.TokenIds[row].data<long>().ToArray().Select(id => (int)id));
            }
            throw new InvalidOperationException("item 4 not in the epoch");
        }
        var first = Enumerable.Range(0, 8).Select(e => ChosenForItem4(Loader(), e)).ToList();
        var again = Enumerable.Range(0, 8).Select(e => ChosenForItem4(Loader(workers: 1), e)).ToList();

        Assert.Equal(first, again);
        Assert.True(first.Distinct().Count() >= 2, $"item 4 got the same caption in 8 epochs: {first[0]}");
    }

    [Fact]
    public void CorruptImageIsSkippedOnceCountedAndReplacedByTheNextItemAfterItsBatch()
    {
        folder.WriteBytes("img/05.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5]);
        var warnings = new List<string>();
        var loader = Loader(problems: new DataProblemLog { Warn = warnings.Add });

        foreach (int epoch in new[] { 0, 1 })
        {
            var batches = Read(loader, epoch);
            Assert.Equal(3, batches.Count);
            var order = EpochOrder.Permutation(ItemCount, Seed, epoch);
            for (int b = 0; b < batches.Count; b++)
            {
                var expected = order[(b * BatchSize)..((b + 1) * BatchSize)];
                int slot = Array.IndexOf(expected, 5);
                if (slot >= 0) expected[slot] = order[(b + 1) * BatchSize % ItemCount];
                Assert.Equal(expected, Items(batches[b]));
            }
        }

        var skipped = Assert.Single(loader.Problems.SkippedSamples);
        Assert.Equal($"{manifest} line 7 (img/05.png)", skipped.Sample);
        Assert.Contains("05.png: not a decodable image", skipped.Reason);
        Assert.Equal($"warning: skipped {skipped}", Assert.Single(warnings));
        AssertSameBatches(Read(loader, 1), Read(Loader(workers: 1, prefetch: 1), 1));
    }

    [Fact]
    public void TooLongCaptionIsTruncatedAndReportedOnce()
    {
        string longCaption = string.Join(" ", Enumerable.Range(0, 90).Select(i => $"word{i}"));
        folder.WriteImage("long/a.png", 10);
        folder.WriteImage("long/b.png", 30);
        string path = folder.WriteText("long/pairs.tsv", $"image\tcaption\na.png\tshort one\nb.png\t{longCaption}\n");
        var warnings = new List<string>();
        var loader = Loader(path: path, batchSize: 2, problems: new DataProblemLog { Warn = warnings.Add });

        var rows = Read(loader, 0).Concat(Read(loader, 1))
            .SelectMany(b => Enumerable.Range(0, 2).Select(r => b.TokenIds[r].data<long>().Select(id => (int)id).ToArray())).ToList();

        var truncatedRow = ClipTokenizer.Default.Tokenize(longCaption, truncate: true);
        Assert.Equal(2, rows.Count(r => r.SequenceEqual(truncatedRow)));
        Assert.Equal(ClipTokenizer.Default.EndOfText, truncatedRow[76]);
        var truncated = Assert.Single(loader.Problems.TruncatedCaptions);
        int tokens = ClipTokenizer.Default.Encode(longCaption).Length + 2;
        Assert.Equal(new TruncatedCaption($"{path} line 3 (b.png)", longCaption, tokens, 77), truncated);
        Assert.Equal($"warning: {path} line 3 (b.png): caption has {tokens} tokens, more than the context length 77; only its start is used",
            Assert.Single(warnings));
    }

    [Fact]
    public void DatasetSmallerThanABatchIsAnError()
    {
        var error = Assert.Throws<ClipNetException>(() => Loader(batchSize: ItemCount + 1));
        Assert.Equal($"{manifest}: {ItemCount} items, fewer than one batch of {ItemCount + 1}; lower the batch size", error.Message);
    }

    [Fact]
    public void TooFewReadableItemsForABatchIsAnErrorNamingTheFirstProblem()
    {
        folder.WriteBytes("bad/a.png", [1, 2, 3]);
        folder.WriteBytes("bad/b.png", [4, 5, 6]);
        folder.WriteImage("bad/c.png", 10);
        string path = folder.WriteText("bad/pairs.tsv", "image\tcaption\na.png\tx\nb.png\ty\nc.png\tz\n");

        var error = Assert.Throws<ClipNetException>(() => Read(Loader(path: path, batchSize: 2), 0));

        Assert.StartsWith($"{path}: fewer than 2 of its 3 items could be read, not enough for one batch (first problem: {path} line 2 (a.png): ", error.Message);
    }

    [Fact]
    public void StoppingEarlyLeavesTheLoaderUsable()
    {
        var loader = Loader(prefetch: 1);
        using (var first = loader.Epoch(0, 0).First())
            Assert.Equal(BatchSize, first.Count);
        Assert.Equal(3, Read(loader, 0).Count);
    }

    [Fact]
    public void LoaderWorksAheadByThePrefetchedBatchesOnly()
    {
        var dataset = new CountingDataset(40);
        var loader = new DatasetBatches(dataset, ClipTokenizer.Default, new RandomResizedCropTransform(8), batchSize: 4, seed: 1)
        {
            Workers = 2, PrefetchBatches = 2,
        };
        using var batches = loader.Epoch(0, 0).GetEnumerator();
        Assert.True(batches.MoveNext());

        // Held: the batch being trained on, two waiting, and one finished batch waiting for room.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (dataset.Loads < 16 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Thread.Sleep(200);
        Assert.Equal(16, dataset.Loads);
        batches.Current.Dispose();
    }

    sealed class CountingDataset(int count) : IImageTextDataset
    {
        int loads;
        public int Loads => Volatile.Read(ref loads);
        public string Name => "counting";
        public int Count => count;
        public IReadOnlyList<string>? ClassNames => null;
        public IReadOnlyList<SkippedSample> SkippedWhenOpened => [];
        public string Describe(int index) => $"item {index}";
        public string Id(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public ImageTextSample Load(int index)
        {
            Interlocked.Increment(ref loads);
            return new ImageTextSample(new DecodedImage(ImageMode.L, 8, 8, new byte[64]), [$"item {index}"], ImageTextSample.NoLabel);
        }
    }
}
