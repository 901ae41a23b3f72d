using ClipNet.Data;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class CifarBinaryDatasetTests : IDisposable
{
    readonly DataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Cifar10DevHasTheReadmesRecordsClassesAndRoundRobinLabels()
    {
        string path = SharedFixtures.DataPath("cifar10-dev");
        var dataset = DatasetFactory.Open(path);

        Assert.IsType<CifarBinaryDataset>(dataset);
        Assert.Equal(1000, dataset.Count);
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], dataset.ClassNames);
        // README: "record k has label k mod 10".
        foreach (int k in new[] { 0, 1, 9, 10, 537, 999 })
            Assert.Equal(k % 10, dataset.Load(k).Label);
        Assert.Equal(["a photo of a cat."], dataset.Load(3).Captions);
        Assert.Equal($"{Path.Combine(path, "images.bin")} record 537", dataset.Describe(537));
    }

    [Fact]
    public void PixelsAreTheReadmesPlanesInterleaved()
    {
        string path = SharedFixtures.DataPath("cifar10-dev");
        byte[] b = File.ReadAllBytes(Path.Combine(path, "images.bin"));
        var dataset = DatasetFactory.Open(path);
        foreach (var (i, x, y) in new[] { (0, 0, 0), (17, 31, 0), (17, 5, 9), (999, 31, 31) })
        {
            var image = dataset.Load(i).Image;
            Assert.Equal((32, 32, ImageMode.RGB), (image.Width, image.Height, image.Mode));
            // The README's own recipe for reading one pixel.
            int o = i * 3073;
            byte r = b[o + 1 + y * 32 + x], g = b[o + 1025 + y * 32 + x], bl = b[o + 2049 + y * 32 + x];
            Assert.Equal([r, g, bl], image.Pixels.AsSpan((y * 32 + x) * 3, 3).ToArray());
        }
    }

    [Fact]
    public void GreyscalePhotosHaveEqualChannelsAsTheReadmeSays()
    {
        var dataset = DatasetFactory.Open(SharedFixtures.DataPath("photos-demo"));
        var cameraman = dataset.Load(1).Image.Pixels;
        var coffee = dataset.Load(3).Image.Pixels;
        Assert.All(Enumerable.Range(0, 32 * 32), p => Assert.True(cameraman[3 * p] == cameraman[3 * p + 1] && cameraman[3 * p] == cameraman[3 * p + 2]));
        Assert.Contains(Enumerable.Range(0, 32 * 32), p => coffee[3 * p] != coffee[3 * p + 2]);
        Assert.Equal(["a cup of coffee on a red saucer with a spoon on a wooden table"], dataset.Load(3).Captions);
        Assert.Equal(3, dataset.Load(3).Label);
    }

    [Fact]
    public void EmojiTrainCaptionsComeFromCaptionsTsv()
    {
        var dataset = DatasetFactory.Open(SharedFixtures.DataPath("emoji-train"));

        Assert.Equal(1529, dataset.Count);
        Assert.Empty(dataset.SkippedWhenOpened);
        Assert.Equal(["grinning face"], dataset.Load(0).Captions);
        Assert.Equal(["grinning face with big eyes"], dataset.Load(1).Captions);
        Assert.Equal("Smileys & Emotion", dataset.ClassNames![dataset.Load(0).Label]);
        Assert.Equal(10, dataset.ClassNames.Count);
    }

    [Fact]
    public void RecordsWithoutCaptionAreLeftOutAndSeveralRowsGiveSeveralCaptions()
    {
        WriteSet("set", labels: [0, 1, 0], classes: "cat\ndog\n",
            captions: "record\tcaption\textra\n2\ta cat\tx\n0\tfirst\tx\n0\tsecond\tx\n");

        var dataset = DatasetFactory.Open(folder.File("set"));

        Assert.Equal(2, dataset.Count);
        Assert.Equal(["first", "second"], dataset.Load(0).Captions);
        Assert.Equal(["a cat"], dataset.Load(1).Captions);
        Assert.Equal($"{folder.File("set/images.bin")} record 2", dataset.Describe(1));
        Assert.Equal(new SkippedSample($"{folder.File("set/images.bin")} record 1", $"no caption in {folder.File("set/captions.tsv")}"),
            Assert.Single(dataset.SkippedWhenOpened));
    }

    [Fact]
    public void TruncatedImagesBinIsNamed()
    {
        folder.WriteBytes("bad/images.bin", new byte[3073 + 100]);
        folder.WriteText("bad/classes.txt", "a\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("bad")));
        Assert.Equal($"{folder.File("bad/images.bin")}: 3173 bytes is not a whole number of 3073-byte records", error.Message);
    }

    [Fact]
    public void LabelBeyondTheClassListIsNamed()
    {
        WriteSet("set", labels: [0, 2], classes: "cat\ndog\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("set")));
        Assert.Equal($"{folder.File("set/images.bin")}: record 1 has label 2, but {folder.File("set/classes.txt")} names only 2 classes", error.Message);
    }

    [Fact]
    public void MissingClassesFileIsNamed()
    {
        folder.WriteBytes("set/images.bin", new byte[3073]);
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("set")));
        Assert.Equal($"{folder.File("set")}: images.bin needs classes.txt beside it to name its labels", error.Message);
    }

    void WriteSet(string name, byte[] labels, string classes, string? captions = null)
    {
        var bytes = new byte[labels.Length * 3073];
        for (int r = 0; r < labels.Length; r++) bytes[r * 3073] = labels[r];
        folder.WriteBytes($"{name}/images.bin", bytes);
        folder.WriteText($"{name}/classes.txt", classes);
        if (captions is not null) folder.WriteText($"{name}/captions.tsv", captions);
    }
}
