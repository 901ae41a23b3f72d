using ClipNet.Data;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class ImageFolderDatasetTests : IDisposable
{
    readonly DataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void ClassesAreSortedFolderNamesWithUnderscoresAsSpacesAndCaptionsComeFromTemplates()
    {
        folder.WriteImage("pets/tabby_cat/2.png", 20);
        folder.WriteImage("pets/tabby_cat/1.jpg", 10);
        folder.WriteImage("pets/golden_retriever/nested/x.png", 30);
        folder.WriteText("pets/golden_retriever/notes.txt", "not an image");

        var dataset = DatasetFactory.Open(folder.File("pets"), new DatasetOptions { Templates = ["a photo of a {}.", "a {} again"] });

        Assert.IsType<ImageFolderDataset>(dataset);
        Assert.Equal(["golden retriever", "tabby cat"], dataset.ClassNames);
        Assert.Equal(3, dataset.Count);
        Assert.Equal(folder.File("pets/golden_retriever/nested/x.png"), dataset.Describe(0));
        Assert.Equal(folder.File("pets/tabby_cat/1.jpg"), dataset.Describe(1));
        var cat = dataset.Load(2);
        Assert.Equal(1, cat.Label);
        Assert.Equal(["a photo of a tabby cat.", "a tabby cat again"], cat.Captions);
        Assert.Equal(20, cat.Image.Pixels[0]);
    }

    [Fact]
    public void ClassFoldersWithoutImagesAreAnEmptyDataset()
    {
        folder.WriteText("empty/cat/readme.txt", "no images here");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("empty")));
        Assert.StartsWith($"{folder.File("empty")}: no images found in class sub-folders", error.Message);
        Assert.EndsWith("the dataset is empty", error.Message);
    }

    [Fact]
    public void FolderThatIsNoKnownLayoutSaysWhatWasExpected()
    {
        folder.WriteText("loose/a.txt", "x");
        var error = Assert.Throws<ClipNetException>(() => DatasetFactory.Open(folder.File("loose")));
        Assert.Equal(
            $"{folder.File("loose")}: not a dataset folder; expected images.bin (CIFAR layout), one sub-folder of images per class, or .tar shards",
            error.Message);
    }
}
