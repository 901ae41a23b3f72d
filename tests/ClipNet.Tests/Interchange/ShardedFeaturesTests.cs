using ClipNet.Data;
using ClipNet.Evaluation;
using ClipNet.Interchange;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Evaluation;
using Xunit;

namespace ClipNet.Tests.Interchange;

/// <summary>cifar10-dev embedded once whole, by the tiny fixture ViT, for the shard tests to compare against.</summary>
public sealed class UnshardedCifar : IDisposable
{
    readonly TempFolder folder = new();

    public Clip Clip { get; } = EvaluationData.LoadVit();
    public IImageTextDataset Dataset { get; } = DatasetFactory.Open(EvaluationData.Cifar);
    /// <summary>The unsharded feature file, as `clip features` writes it.</summary>
    public string File { get; }

    public UnshardedCifar()
    {
        File = folder.File("cifar10-dev.safetensors");
        using var features = FeatureExtraction.Extract(Clip, Dataset);
        features.Save(File);
    }

    public void Dispose()
    {
        Clip.Dispose();
        folder.Dispose();
    }
}

public class ShardedFeaturesTests(UnshardedCifar unsharded) : IClassFixture<UnshardedCifar>
{
    [Theory]
    [InlineData(1, FeatureFormat.Safetensors)]
    [InlineData(3, FeatureFormat.Parquet)]
    [InlineData(7, FeatureFormat.Safetensors)]
    public void ShardsAreDisjointCoverTheSetAndMergeIntoTheUnshardedFile(int count, FeatureFormat format)
    {
        using var folder = new TempFolder();
        var seen = new HashSet<string>();
        for (int index = 0; index < count; index++)
        {
            using var shard = FeatureExtraction.Extract(unsharded.Clip, unsharded.Dataset, shard: new Shard(index, count));
            Assert.Equal(new Shard(index, count), shard.Items!.Shard);
            foreach (string id in shard.Items.Ids)
            {
                Assert.True(seen.Add(id), $"item {id} is in two shards");
                Assert.Equal(index, Shard.Of(id, count));
            }
            string extension = format == FeatureFormat.Parquet ? "parquet" : "safetensors";
            FeatureFiles.Write(shard, folder.File($"cifar10-dev-{index}-of-{count}.{extension}"), format);
        }
        // The union is the whole set: every item of the dataset, by its id.
        Assert.Equal(Enumerable.Range(0, unsharded.Dataset.Count).Select(unsharded.Dataset.Id).Order(), seen.Order());
        Assert.Equal(1000, seen.Count);

        string merged = folder.File("merged.safetensors");
        using (var set = FeatureFiles.Merge([folder.Path])) FeatureFiles.Write(set, merged, FeatureFormat.Safetensors);

        using var expected = FeatureSet.Load(unsharded.File);
        using var actual = FeatureSet.Load(merged);
        Assert.Equal(expected.Items!.Ids, actual.Items!.Ids);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), actual.Items.Positions);
        Assert.Equal(Shard.Whole, actual.Items.Shard);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.Captions, actual.Captions);
        Assert.Equal(expected.ClassNames, actual.ClassNames);
        Assert.Equal(expected.Model, actual.Model);
        // Row for row; a shard's batches differ from the whole run's, so matrix products may round differently.
        Assert.True(expected.ImageFeatures.allclose(actual.ImageFeatures, rtol: 1e-5, atol: 1e-6),
            $"largest difference {expected.ImageFeatures.sub(actual.ImageFeatures).abs().max().item<float>()}");
    }

    [Fact]
    public void MergeNamesTheMissingShardAndRefusesDuplicatesAndMixedCounts()
    {
        using var folder = new TempFolder();
        using var whole = FeatureSet.Load(unsharded.File);
        string Write(FeatureSet set, Shard shard, string name)
        {
            var keep = Enumerable.Range(0, set.Count).Where(i => shard.Contains(set.Items!.Ids[i])).ToArray();
            using var index = TorchSharp.torch.tensor(keep.Select(i => (long)i).ToArray());
            using var part = new FeatureSet(set.ImageFeatures.index_select(0, index), [.. keep.Select(i => set.Labels[i])], [.. keep.Select(i => set.Captions[i])],
                set.ClassNames, set.Model, set.Dataset, new FeatureItems([.. keep.Select(i => set.Items!.Ids[i])], [.. keep.Select(i => set.Items!.Positions[i])], shard));
            string path = folder.File(name);
            part.Save(path);
            return path;
        }
        string s0 = Write(whole, new Shard(0, 3), "a.safetensors"), s2 = Write(whole, new Shard(2, 3), "c.safetensors");
        var missing = Assert.Throws<ClipNetException>(() => FeatureFiles.Merge([s0, s2]));
        Assert.Contains("shard 1/3 missing", missing.Message);

        string s1 = Write(whole, new Shard(1, 3), "b.safetensors");
        using (var merged = FeatureFiles.Merge([s0, s1, s2])) Assert.Equal(1000, merged.Count);
        var twice = Assert.Throws<ClipNetException>(() => FeatureFiles.Merge([s0, s1, s2, s1]));
        Assert.Contains("shard 1/3 is also in", twice.Message);

        string other = Write(whole, new Shard(1, 2), "other.safetensors");
        var mixed = Assert.Throws<ClipNetException>(() => FeatureFiles.Merge([s0, s1, s2, other]));
        Assert.Contains("shard count (2)", mixed.Message);
        Assert.Contains(other, mixed.Message);
    }

    [Fact]
    public void ShardOfAnIdIsFnv1aOfItsUtf8Bytes()
    {
        // Published FNV-1a 64-bit test vectors (Fowler, Noll, Vo): "a" → 0xaf63dc4c8601ec8c, "foobar" → 0x85944171f73967e8.
        Assert.Equal((int)(0xaf63dc4c8601ec8cUL % 1_000_003), Shard.Of("a", 1_000_003));
        Assert.Equal((int)(0x85944171f73967e8UL % 7), Shard.Of("foobar", 7));
        Assert.True(new Shard(0, 1).Contains("anything"));
    }

    [Theory]
    [InlineData("3/3", "the index must be from 0 to 2")]
    [InlineData("0/0", "at least 1")]
    [InlineData("1-4", "expected INDEX/COUNT")]
    [InlineData("-1/4", "expected INDEX/COUNT")]
    public void BadShardsAreRefusedClearly(string text, string message)
    {
        var error = Assert.Throws<ClipNetException>(() => Shard.Parse(text));
        Assert.Contains(message, error.Message);
        Assert.Equal(new Shard(2, 5), Shard.Parse("2/5"));
    }
}
