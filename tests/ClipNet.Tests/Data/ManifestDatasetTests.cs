using ClipNet.Data;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class ManifestDatasetTests : IDisposable
{
    readonly DataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void TsvResolvesRelativePathsAndGroupsTheCaptionsOfOneImage()
    {
        folder.WriteImage("data/img/a.png", shade: 10, width: 24, height: 20);
        folder.WriteImage("data/img/b.jpg", shade: 200, width: 16, height: 30);
        string manifest = folder.WriteText("data/pairs.tsv",
            "image\tcaption\nimg/a.png\ta red square\nimg/b.jpg\ta photo of b\nimg/a.png\tthe same square again\n");

        var dataset = DatasetFactory.Open(manifest);

        Assert.IsType<ManifestDataset>(dataset);
        Assert.Equal(2, dataset.Count);
        Assert.Null(dataset.ClassNames);
        var a = dataset.Load(0);
        Assert.Equal(["a red square", "the same square again"], a.Captions);
        Assert.Equal((24, 20, ImageMode.RGB), (a.Image.Width, a.Image.Height, a.Image.Mode));
        Assert.Equal(10, a.Image.Pixels[0]);
        Assert.Equal(ImageTextSample.NoLabel, a.Label);
        Assert.Equal((16, 30), (dataset.Load(1).Image.Width, dataset.Load(1).Image.Height));
        Assert.Equal($"{manifest} line 3 (img/b.jpg)", dataset.Describe(1));
    }

    /// <summary>Careless rows are counted and the first few named as soon as the dataset opens; --strict refuses them.</summary>
    [Fact]
    public void RowsLeftOutWhenOpenedAreReportedOrRefused()
    {
        folder.WriteImage("data/a.png", shade: 10);
        Directory.CreateDirectory(Path.Combine(folder.Path, "data", "not-an-image"));
        string manifest = folder.WriteText("data/pairs.tsv",
            "image\tcaption\na.png\ta square\nmissing.png\ta missing one\na.png\t  \nnot-an-image\ta folder\n");
        var dataset = DatasetFactory.Open(manifest);
        Assert.Equal(1, dataset.Count);

        var lines = new List<string>();
        new DataProblemLog { Warn = lines.Add }.ReportOpened(dataset);
        string report = Assert.Single(lines);
        Assert.StartsWith($"warning: {manifest}: left out 3 of 4 items", report);
        Assert.Contains("1 empty caption", report);
        Assert.Contains("line 3 (missing.png): image file not found", report);
        Assert.Contains("line 5 (not-an-image): a folder, not an image file", report);

        var strict = Assert.Throws<ClipNetException>(() => new DataProblemLog { Strict = true }.ReportOpened(dataset));
        Assert.Contains($"{manifest}: 3 items cannot be used (--strict)", strict.Message);
    }

    [Fact]
    public void CsvQuotedFieldsKeepCommasDoubledQuotesAndLineBreaks()
    {
        folder.WriteImage("one.png", shade: 1);
        folder.WriteImage("two, three.png", shade: 2);
        string manifest = folder.WriteText("pairs.csv",
            "\uFEFFid,filepath,title\r\n" +
            "1,one.png,\"a dog, running \"\"fast\"\"\nin the park\"\r\n" +
            "2,\"two, three.png\",plain caption\r\n");

        var dataset = DatasetFactory.Open(manifest, new DatasetOptions { ImageColumn = "filepath", CaptionColumn = "title" });

        Assert.Equal(2, dataset.Count);
        Assert.Equal(["a dog, running \"fast\"\nin the park"], dataset.Load(0).Captions);
        Assert.Equal(["plain caption"], dataset.Load(1).Captions);
        Assert.Equal(2, dataset.Load(1).Image.Pixels[0]);
        Assert.Contains("line 4", dataset.Describe(1));
    }

    [Fact]
    public void PhotosDemoCaptionsServeAsAManifestOfItsPngFiles()
    {
        // photos-demo/captions.tsv names each photo's PNG in its `file` column (relative to the set's folder).
        var dataset = DatasetFactory.Open(SharedFixtures.DataPath("photos-demo", "captions.tsv"), new DatasetOptions { ImageColumn = "file" });

        Assert.Equal(16, dataset.Count);
        Assert.Empty(dataset.SkippedWhenOpened);
        var cat = dataset.Load(2);
        Assert.Equal(["a close-up of the face of a tabby cat with green eyes"], cat.Captions);
        Assert.Equal(256, Math.Max(cat.Image.Width, cat.Image.Height));
    }

    [Fact]
    public void LabelColumnGivesSortedClassNamesAndLabels()
    {
        folder.WriteImage("a.png", 1);
        folder.WriteImage("b.png", 2);
        folder.WriteImage("c.png", 3);
        string manifest = folder.WriteText("labelled.tsv", "image\tcaption\tkind\na.png\tx\tzebra\nb.png\ty\tant\nc.png\tz\tzebra\n");

        var dataset = DatasetFactory.Open(manifest, new DatasetOptions { LabelColumn = "kind" });

        Assert.Equal(["ant", "zebra"], dataset.ClassNames);
        Assert.Equal([1, 0, 1], Enumerable.Range(0, 3).Select(i => dataset.Load(i).Label));
    }

    [Fact]
    public void MissingImageFilesAreLeftOutAndListed()
    {
        folder.WriteImage("a.png", 1);
        folder.WriteImage("c.png", 3);
        string manifest = folder.WriteText("pairs.tsv", "image\tcaption\na.png\tx\nmissing/b.png\ty\nc.png\tz\n");

        var dataset = DatasetFactory.Open(manifest);

        Assert.Equal(2, dataset.Count);
        var skipped = Assert.Single(dataset.SkippedWhenOpened);
        Assert.Equal($"{manifest} line 3 (missing/b.png)", skipped.Sample);
        Assert.Equal($"image file not found: {Path.Combine(folder.Path, "missing", "b.png")}", skipped.Reason);
    }

    [Fact]
    public void AllImagesMissingIsAnErrorThatSaysWhereRelativePathsPoint()
    {
        string manifest = folder.WriteText("pairs.tsv", "image\tcaption\nnope.png\tx\nnada.png\ty\n");

        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));

        Assert.Equal(
            $"{manifest}: none of the 2 images it lists exists (the first, on line 2, is {Path.Combine(folder.Path, "nope.png")}); " +
            $"relative paths are resolved against {folder.Path}", error.Message);
    }

    [Fact]
    public void MissingManifestFileIsNamed()
    {
        string manifest = Path.Combine(folder.Path, "nowhere.tsv");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));
        Assert.Equal($"{manifest}: manifest file not found", error.Message);
    }

    [Fact]
    public void RowWithTheWrongNumberOfFieldsNamesItsLine()
    {
        folder.WriteImage("a.png", 1);
        string manifest = folder.WriteText("pairs.csv", "image,caption\na.png,fine\na.png,a dog, unquoted\n");

        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));

        Assert.StartsWith($"{manifest} line 3: 3 fields, but the header has 2 (image, caption); check the delimiter (comma)", error.Message);
    }

    [Fact]
    public void UnknownColumnListsTheHeader()
    {
        string manifest = folder.WriteText("pairs.tsv", "filepath\ttitle\na.png\tx\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));
        Assert.StartsWith($"{manifest}: no column named 'image' for the image in the header (columns: filepath, title)", error.Message);
    }

    [Fact]
    public void HeaderWithoutRowsIsAnEmptyDataset()
    {
        string manifest = folder.WriteText("pairs.tsv", "image\tcaption\n\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));
        Assert.Equal($"{manifest}: the manifest has a header but no rows; the dataset is empty", error.Message);
    }

    [Fact]
    public void UnclosedQuoteNamesTheLineWhereTheFieldStarts()
    {
        string manifest = folder.WriteText("pairs.csv", "image,caption\na.png,\"never closed\nb.png,x\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest));
        Assert.Equal($"{manifest} line 2: a quoted field is never closed", error.Message);
    }

    [Fact]
    public void ConflictingLabelsForOneImageAreAnError()
    {
        folder.WriteImage("a.png", 1);
        string manifest = folder.WriteText("pairs.tsv", "image\tcaption\tkind\na.png\tx\tcat\na.png\ty\tdog\n");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(manifest, new DatasetOptions { LabelColumn = "kind" }));
        Assert.Equal($"{manifest} line 3: a.png has label 'dog', but line 2 gave it 'cat'", error.Message);
    }
}
