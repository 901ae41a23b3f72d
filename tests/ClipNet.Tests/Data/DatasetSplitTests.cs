using ClipNet.Data;
using Xunit;

namespace ClipNet.Tests.Data;

public class DatasetSplitTests
{
    static List<string> Sources(IImageTextDataset dataset) => Enumerable.Range(0, dataset.Count).Select(dataset.Describe).ToList();

    [Fact]
    public void HoldsBackADisjointSeededFraction()
    {
        var dataset = DatasetFactory.Open(SharedFixtures.DataPath("cifar10-dev"), new DatasetOptions());
        var (train, heldBack) = DatasetSplit.HoldBack(dataset, 0.2, seed: 3);
        Assert.Equal((800, 200), (train.Count, heldBack.Count));
        var trainSources = Sources(train);
        var heldSources = Sources(heldBack);
        Assert.Empty(trainSources.Intersect(heldSources));
        Assert.Equal(Sources(dataset).Order(), trainSources.Concat(heldSources).Order());
        Assert.Equal(heldSources, Sources(DatasetSplit.HoldBack(dataset, 0.2, seed: 3).HeldBack));
        Assert.NotEqual(heldSources, Sources(DatasetSplit.HoldBack(dataset, 0.2, seed: 4).HeldBack));
        Assert.Throws<ClipNetException>(() => DatasetSplit.HoldBack(dataset, 1.5, 0));
    }
}
