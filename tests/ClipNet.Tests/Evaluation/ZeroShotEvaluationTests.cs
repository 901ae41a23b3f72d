using System.Text.Json;
using ClipNet.Evaluation;
using ClipNet.Tests.Checkpoints;
using ClipNet.Data;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Evaluation;

public class ZeroShotEvaluationTests
{
    const int Images = 200;

    [Fact]
    public void AccuracyIsThatOfThePromptEnsembleClassifierOfTheCLIPNotebook()
    {
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Cifar, limit: Images);
        var prompts = EvaluationData.CifarPrompts();

        var result = ZeroShotEvaluation.Evaluate(clip, features, prompts, "cifar10", cache: null).Classification;

        // The notebook, step by step: embed every class's 18 prompts, normalise, average, normalise;
        // the prediction is the class vector closest in angle to the normalised image.
        using var scope = NewDisposeScope();
        var texts = prompts.Classes.SelectMany(c => prompts.Templates.Select(t => t.Replace("{}", c))).ToList();
        var embedded = clip.EncodeTexts(texts, normalize: false, truncate: true);
        var perPrompt = embedded / embedded.norm(1, keepdim: true);
        var classes = perPrompt.reshape(10, 18, -1).mean([1]);
        classes /= classes.norm(1, keepdim: true);
        var images = features.ImageFeatures / features.ImageFeatures.norm(1, keepdim: true);
        var scores = images.matmul(classes.t());
        var labels = tensor(features.Labels.ToArray());
        var top1 = scores.argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>();
        var top5 = scores.topk(5).indexes.eq(labels.unsqueeze(1)).any(1).to_type(ScalarType.Float64).mean().item<double>();

        Assert.Equal(Images, result.SampleCount);
        Assert.Equal(top1, result.Top1, 12);
        Assert.Equal(top5, result.Top5, 12);
        Assert.Equal(Enumerable.Repeat(Images / 10, 10), result.PerClassCount);
        var predicted = scores.argmax(1).data<long>().ToArray();
        for (int c = 0; c < 10; c++)
            Assert.Equal(predicted.Count(p => p == c), Enumerable.Range(0, 10).Sum(t => result.ConfusionMatrix[t, c]));
    }

    [Fact]
    public void ASecondRunTakesTheClassTextEmbeddingsFromTheCacheAndGivesTheSameNumbers()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Cifar, limit: Images);
        var cache = new TextEmbeddingCache(folder.Path);

        var first = ZeroShotEvaluation.Evaluate(clip, features, EvaluationData.CifarPrompts(), "cifar10", cache);
        Assert.False(first.TextEmbeddingsFromCache);
        Assert.Single(Directory.GetFiles(folder.Path, "*.safetensors"));

        var second = ZeroShotEvaluation.Evaluate(clip, features, EvaluationData.CifarPrompts(), "cifar10", cache);
        Assert.True(second.TextEmbeddingsFromCache);
        Assert.Equal(first.Classification.TopKAccuracy, second.Classification.TopKAccuracy);
        Assert.Equal(first.Classification.PerClassAccuracy, second.Classification.PerClassAccuracy);
        Assert.Equal(first.Classification.ConfusionMatrix, second.Classification.ConfusionMatrix);

        var uncached = ZeroShotEvaluation.Evaluate(clip, features, EvaluationData.CifarPrompts(), "cifar10", cache: null);
        Assert.False(uncached.TextEmbeddingsFromCache);
        Assert.Equal(first.Classification.ConfusionMatrix, uncached.Classification.ConfusionMatrix);
    }

    [Fact]
    public void PromptClassesInAnotherOrderAreMatchedByName()
    {
        using var clip = EvaluationData.LoadVit();
        var prompts = EvaluationData.CifarPrompts();
        var reversed = prompts with { Classes = [.. prompts.Classes.Reverse()] };

        var (classifier, _) = ZeroShotEvaluation.Classifier(clip, EvaluationData.CifarClasses, "cifar10-dev", reversed, "reversed", null);
        using (classifier)
        {
            using var direct = ZeroShotPrompts.Classifier(clip, EvaluationData.CifarClasses, prompts.Templates);
            Assert.Equal(EvaluationData.CifarClasses, classifier.ClassNames);
            Assert.True(classifier.ClassEmbeddings.allclose(direct.ClassEmbeddings, rtol: 0, atol: 1e-6));
        }
    }

    [Fact]
    public void PromptClassesThatAreNotTheDatasetClassesAreAnErrorNamingTheDifference()
    {
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Cifar, limit: 20);
        var prompts = EvaluationData.CifarPrompts();
        var wrong = prompts with { Classes = [.. prompts.Classes.Select(c => c == "truck" ? "zebra" : c)] };

        var error = Assert.Throws<ClipNetException>(() => ZeroShotEvaluation.Evaluate(clip, features, wrong, "the prompts", null));
        Assert.Contains("only in the prompts: 'zebra'", error.Message);
        Assert.Contains($"only in {EvaluationData.Cifar}: 'truck'", error.Message);
    }

    [Fact]
    public void AnUnknownPromptsDatasetIsAnErrorListingTheKnownOnes()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        var request = new ZeroShotRequest(new FeatureSource(EvaluationData.Cifar, Limit: 10), EvaluationData.Prompts, "cifar11", folder.Path, null);
        var error = Assert.Throws<ClipNetException>(() => ZeroShotEvaluation.Run(clip, request));
        Assert.Contains("no dataset named 'cifar11'", error.Message);
        Assert.Contains("cifar10, cifar100", error.Message);
    }

    [Fact]
    public void ARunWritesTheJsonMarkdownAndConfusionMatrixFigure()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        string output = folder.File("report");
        var request = new ZeroShotRequest(new FeatureSource(EvaluationData.Cifar, Limit: 100), EvaluationData.Prompts, "cifar10", output, folder.File("cache"));

        var result = ZeroShotEvaluation.Run(clip, request);

        var report = result.Report!;
        Assert.Equal(Path.Combine(output, "zero-shot-confusion.png"), Assert.Single(report.Figures));
        AssertPng(report.Figures[0], minWidth: 600);
        using var json = JsonDocument.Parse(File.ReadAllText(report.Json));
        Assert.Equal(result.Classification.Top1, json.RootElement.GetProperty("top1").GetDouble());
        Assert.Equal(EvaluationData.Cifar, json.RootElement.GetProperty("about").GetProperty("dataset").GetString());
        Assert.Contains("![zero-shot-confusion](zero-shot-confusion.png)", File.ReadAllText(report.Markdown));
    }

    /// <summary>A PNG signature and an IHDR width of at least <paramref name="minWidth"/>.</summary>
    internal static void AssertPng(string path, int minWidth)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
        Assert.True(width >= minWidth, $"{path}: width {width} < {minWidth}");
    }
}
