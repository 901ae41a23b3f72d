using ClipNet.Data;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class WebDatasetTests : IDisposable
{
    readonly DataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void SamplesAreGroupedByKeyWithCaptionsFromTxtOrJson()
    {
        // A key longer than the 100 bytes of a ustar name field needs a PAX header, which shifts the data.
        string longKey = "part/" + new string('k', 120);
        string shard = folder.WriteTar("shard.tar",
            ("0001.png", DataFolder.Image(11, 24, 20)),
            ("0001.txt", DataFolder.Utf8("  a red thing\n")),
            ("0002.JPG", DataFolder.Image(22, 16, 16, SkiaSharp.SKEncodedImageFormat.Jpeg)),
            ("0002.json", DataFolder.Utf8("{\"caption\": \"from json\", \"width\": 16}")),
            ("0002.cls", DataFolder.Utf8("7\n")),
            ("0003.txt", DataFolder.Utf8("caption without an image")),
            (longKey + ".webp.txt", DataFolder.Utf8("not a sample of this key's image")),
            (longKey + ".png", DataFolder.Image(33, 20, 24)),
            (longKey + ".json", DataFolder.Utf8("{\"text\": [\"first\", \"second\"]}")));

        var dataset = DatasetFactory.Open(shard);

        Assert.IsType<WebDataset>(dataset);
        Assert.Equal(3, dataset.Count);
        Assert.Equal($"{shard}:0001", dataset.Describe(0));
        Assert.Equal($"{shard}:{longKey}", dataset.Describe(2));
        var first = dataset.Load(0);
        Assert.Equal(["a red thing"], first.Captions);
        Assert.Equal((24, 20, 11), (first.Image.Width, first.Image.Height, (int)first.Image.Pixels[0]));
        Assert.Equal(ImageTextSample.NoLabel, first.Label);
        var second = dataset.Load(1);
        Assert.Equal(["from json"], second.Captions);
        Assert.Equal(7, second.Label);
        var third = dataset.Load(2);
        Assert.Equal(["first", "second"], third.Captions);
        Assert.Equal((20, 24, 33), (third.Image.Width, third.Image.Height, (int)third.Image.Pixels[0]));
        var skipped = Assert.Single(dataset.SkippedWhenOpened);
        Assert.Equal(new SkippedSample($"{shard}:0003", "no image (.jpg, .jpeg, .png, .webp)"), skipped);
    }

    [Fact]
    public void BracePatternOpensEveryShardInOrder()
    {
        for (int s = 0; s < 3; s++)
            folder.WriteTar($"shards/train-{s:D3}.tar",
                ($"{s}-a.png", DataFolder.Image(10 * s, 8, 8)), ($"{s}-a.txt", DataFolder.Utf8($"shard {s} a")),
                ($"{s}-b.png", DataFolder.Image(10 * s + 5, 8, 8)), ($"{s}-b.txt", DataFolder.Utf8($"shard {s} b")));

        var dataset = DatasetFactory.Open(folder.File("shards/train-{000..002}.tar"));

        Assert.Equal(6, dataset.Count);
        Assert.Equal(["shard 2 b"], dataset.Load(5).Captions);
        Assert.Equal(6, DatasetFactory.Open(folder.File("shards/train-*.tar")).Count);
        Assert.Equal(6, DatasetFactory.Open(folder.File("shards")).Count);
    }

    [Fact]
    public void BracesExpandRangesWithTheirPaddingAndLists()
    {
        Assert.Equal(["s-008.tar", "s-009.tar", "s-010.tar"], ShardPattern.ExpandBraces("s-{008..010}.tar"));
        Assert.Equal(["a-1", "a-2", "b-1", "b-2"], ShardPattern.ExpandBraces("{a,b}-{1..2}"));
        Assert.Equal(["x9", "x10"], ShardPattern.ExpandBraces("x{9..10}"));
    }

    [Fact]
    public void MissingShardOfAPatternIsNamed()
    {
        folder.WriteTar("s-0.tar", ("a.png", DataFolder.Image(1, 8, 8)), ("a.txt", DataFolder.Utf8("x")));
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("s-{0..1}.tar")));
        Assert.Equal($"{folder.File("s-1.tar")}: shard not found (from {folder.File("s-{0..1}.tar")})", error.Message);
    }

    [Fact]
    public void FileThatIsNotATarIsNamed()
    {
        string shard = folder.WriteBytes("broken.tar", [.. Enumerable.Range(0, 1024).Select(i => (byte)(i * 7 + 3))]);
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(shard));
        Assert.StartsWith($"{shard}: not a readable tar file", error.Message);
    }

    [Fact]
    public void ShardWithoutCompleteSamplesIsAnEmptyDataset()
    {
        string shard = folder.WriteTar("captions-only.tar", ("a.txt", DataFolder.Utf8("x")));
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(shard));
        Assert.Equal(
            $"{shard}: no sample with both an image and a caption in 1 shard (first problem: {shard}:a: no image (.jpg, .jpeg, .png, .webp)); the dataset is empty",
            error.Message);
    }

    [Fact]
    public void BadJsonCaptionIsAnErrorOfThatSampleOnly()
    {
        string shard = folder.WriteTar("s.tar",
            ("a.png", DataFolder.Image(1, 8, 8)), ("a.json", DataFolder.Utf8("{\"url\": \"no caption here\"}")));
        var dataset = DatasetFactory.Open(shard);
        var error = Assert.Throws<ClipNetException>(() => dataset.Load(0));
        Assert.Equal($"{shard}:a.json: no non-empty \"caption\" or \"text\" field (a string or a list of strings)", error.Message);
    }
}
