namespace ClipNet.Data;

/// <summary>
/// A seeded split of one dataset into a training part and a held-back part, for data that comes without a
/// validation set: the same seed always holds back the same items, and no item is in both parts.
/// </summary>
public static class DatasetSplit
{
    public static (IImageTextDataset Train, IImageTextDataset HeldBack) HoldBack(IImageTextDataset dataset, double fraction, int seed)
    {
        if (fraction is <= 0 or >= 1) throw new ClipNetException($"the held-back fraction must be between 0 and 1, not {fraction}");
        int heldBack = (int)Math.Round(dataset.Count * fraction);
        if (heldBack == 0 || heldBack == dataset.Count)
            throw new ClipNetException($"{dataset.Name}: holding back {fraction:P0} of {dataset.Count} items leaves one part empty");
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        EpochSampleRandom.For(seed, -1, 0, SampleRandomUse.Shuffle).Shuffle(order);   // epoch -1: apart from every training epoch
        return (new Subset(dataset, order[heldBack..].Order().ToArray(), "train"), new Subset(dataset, order[..heldBack].Order().ToArray(), "held back"));
    }

    sealed class Subset(IImageTextDataset source, int[] indices, string part) : IImageTextDataset
    {
        public string Name => $"{source.Name} ({part}: {indices.Length} items)";
        public int Count => indices.Length;
        public IReadOnlyList<string>? ClassNames => source.ClassNames;
        public IReadOnlyList<SkippedSample> SkippedWhenOpened => source.SkippedWhenOpened;
        public ImageTextSample Load(int index) => source.Load(indices[index]);
        public string Describe(int index) => source.Describe(indices[index]);
    }
}
