using ClipNet.Data;
using Xunit;

namespace ClipNet.Tests.Data;

public class PromptsFileTests
{
    static readonly string Prompts = SharedFixtures.DataPath("prompts", "prompts.json");

    [Fact]
    public void ImageNetHasTheReadmesThousandClassesAndEightyTemplates()
    {
        var imagenet = PromptsFile.Read(Prompts, "imagenet");
        Assert.Equal(1000, imagenet.Classes.Count);
        Assert.Equal(80, imagenet.Templates.Count);
        Assert.Equal("tench", imagenet.Classes[0]);
    }

    [Fact]
    public void TemplatesAreFilledWithTheClassName()
    {
        var cifar = PromptsFile.Read(Prompts, "cifar10");
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], cifar.Classes);
        var prompts = cifar.Fill("cat");
        Assert.Equal(cifar.Templates.Count, prompts.Count);
        Assert.All(cifar.Templates, t => Assert.Contains("{}", t));
        Assert.Equal(cifar.Templates[0].Replace("{}", "cat"), prompts[0]);
        Assert.DoesNotContain(prompts, p => p.Contains("{}"));
    }

    [Fact]
    public void ClassesGivenAsSynonymListsPromptWithEveryName()
    {
        // FER2013's classes are lists of names in the CLIP prompts ("happy", "smiling").
        var fer = PromptsFile.Read(Prompts, "facialemotionrecognition2013");
        Assert.Equal(["angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral"], fer.Classes);
        Assert.Equal(["happy", "smiling"], fer.NamesOf(3));
        var prompts = fer.Prompts(3);
        Assert.Equal(2 * fer.Templates.Count, prompts.Count);
        Assert.Equal(fer.Templates[0].Replace("{}", "smiling"), prompts[fer.Templates.Count]);
        Assert.Equal(["angry"], PromptsFile.Read(Prompts, "facialemotionrecognition2013").NamesOf(0));
        Assert.Null(PromptsFile.Read(Prompts, "cifar10").Synonyms);
    }

    [Fact]
    public void UnknownDatasetListsTheKnownOnes()
    {
        var error = Assert.Throws<ClipNetException>(() => PromptsFile.Read(Prompts, "imagenette"));
        Assert.StartsWith($"{Prompts}: no dataset named 'imagenette'; known datasets: ", error.Message);
        Assert.Contains("cifar10, cifar100", error.Message);
        Assert.Contains("imagenet", error.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-prompts.json");
        Assert.Equal($"{path}: prompts file not found", Assert.Throws<ClipNetException>(() => PromptsFile.Read(path, "cifar10")).Message);
    }
}
