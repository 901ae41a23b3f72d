using ClipNet.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Evaluation;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Evaluation;
using Xunit;

namespace ClipNet.Tests.Cli;

/// <summary>`clip features`, `clip eval …`, `clip similarity` and `clip arithmetic` end to end, checked against the library and the fixtures.</summary>
public class EvaluationCliTests
{
    static readonly string Vit = EvaluationData.Vit;

    static void AssertSuccess(ClipProcess.Result result) =>
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\nstdout: {result.Output}\nstderr: {result.Error}");

    static void AssertCleanFailure(ClipProcess.Result result, params string[] expectedInMessage)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        foreach (string part in expectedInMessage) Assert.Contains(part, result.Error);
    }

    static string[] ZeroShot(string output, string cache, string dataset = "cifar10", string? prompts = null, int limit = 200) =>
        ["eval", "zero-shot", "--model", Vit, "--data", EvaluationData.Cifar, "--prompts", prompts ?? EvaluationData.Prompts,
         "--dataset", dataset, "--limit", limit.ToString(), "--out", output, "--cache-dir", cache];

    [Fact]
    public void ZeroShotReportsTheLibraryResultAndASecondRunUsesTheTextCache()
    {
        using var folder = new TempFolder();
        var first = ClipProcess.Run(ZeroShot(folder.File("first"), folder.File("cache")));
        AssertSuccess(first);
        Assert.Contains("encoded", first.Output);
        var report = JsonNode.Parse(File.ReadAllText(folder.File("first/zero-shot.json")))!;

        Assert.Equal(200, (int)report["samples"]!);
        Assert.True((double)report["top5"]! >= (double)report["top1"]!);
        Assert.All(report["classes"]!.AsArray(), c => Assert.Equal(20, (int)c!["samples"]!));
        var confusion = report["confusion_matrix"]!.AsArray().Select(row => row!.AsArray().Select(v => (int)v!).ToArray()).ToArray();
        Assert.Equal(200, confusion.Sum(row => row.Sum()));

        using (var clip = EvaluationData.LoadVit())
        using (var features = FeatureExtraction.Extract(clip, EvaluationData.Cifar, limit: 200))
        {
            var library = ZeroShotEvaluation.Evaluate(clip, features, EvaluationData.CifarPrompts(), "cifar10", cache: null).Classification;
            Assert.Equal(library.Top1, (double)report["top1"]!);
            Assert.Equal(library.Top5, (double)report["top5"]!);
            for (int t = 0; t < 10; t++)
                Assert.Equal(Enumerable.Range(0, 10).Select(p => library.ConfusionMatrix[t, p]), confusion[t]);
        }
        ZeroShotEvaluationTests.AssertPng(folder.File("first/zero-shot-confusion.png"), minWidth: 600);
        Assert.Contains("![zero-shot-confusion](zero-shot-confusion.png)", File.ReadAllText(folder.File("first/zero-shot.md")));

        var second = ClipProcess.Run(ZeroShot(folder.File("second"), folder.File("cache")));
        AssertSuccess(second);
        Assert.Contains("from cache", second.Output);
        var again = JsonNode.Parse(File.ReadAllText(folder.File("second/zero-shot.json")))!;
        Assert.Equal("from cache", (string)again["about"]!["text_embeddings"]!);
        report["about"]!.AsObject().Remove("text_embeddings");
        again["about"]!.AsObject().Remove("text_embeddings");
        Assert.Equal(report.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public void ZeroShotWithAnUnknownPromptsDatasetFailsListingTheKnownOnes()
    {
        using var folder = new TempFolder();
        AssertCleanFailure(ClipProcess.Run(ZeroShot(folder.File("out"), folder.File("cache"), dataset: "cifar11")),
            "no dataset named 'cifar11'", "cifar10, cifar100");
    }

    [Fact]
    public void ZeroShotWithPromptClassesThatAreNotTheDatasetClassesFailsNamingTheDifference()
    {
        using var folder = new TempFolder();
        var classes = EvaluationData.CifarClasses.Select(c => c == "truck" ? "zebra" : c);
        string prompts = folder.File("prompts.json");
        File.WriteAllText(prompts, JsonSerializer.Serialize(new { cifar10 = new { classes, templates = new[] { "a photo of a {}." } } }));
        AssertCleanFailure(ClipProcess.Run(ZeroShot(folder.File("out"), folder.File("cache"), prompts: prompts, limit: 10)),
            "only in 'cifar10' in", "'zebra'", $"only in {EvaluationData.Cifar}: 'truck'");
    }

    [Fact]
    public void FeaturesWritesAFileTheLibraryReads()
    {
        using var folder = new TempFolder();
        string path = folder.File("cifar.safetensors");
        AssertSuccess(ClipProcess.Run("features", "--model", Vit, "--data", EvaluationData.Cifar, "--limit", "50", "--out", path));

        using var features = FeatureSet.Load(path);
        Assert.Equal(50, features.Count);
        Assert.Equal(32, features.Dimension);
        Assert.Equal(Enumerable.Range(0, 50).Select(k => (long)(k % 10)), features.Labels);
        Assert.Equal(EvaluationData.CifarClasses, features.ClassNames);
        Assert.Equal(EvaluationData.Vit, features.Model);
    }

    [Fact]
    public void RetrievalReportsRecallAtOneFiveAndTen()
    {
        using var folder = new TempFolder();
        AssertSuccess(ClipProcess.Run("eval", "retrieval", "--model", Vit, "--data", EvaluationData.Photos, "--out", folder.Path));
        var report = JsonNode.Parse(File.ReadAllText(folder.File("retrieval.json")))!;
        Assert.Equal(16, (int)report["images"]!);
        Assert.Equal(16, (int)report["texts"]!);
        var recall = report["image_to_text_recall"]!.AsObject();
        Assert.Equal(["recall@1", "recall@5", "recall@10"], recall.Select(p => p.Key));
        Assert.True((double)recall["recall@10"]! >= (double)recall["recall@1"]!);
    }

    [Fact]
    public void LinearProbeRunsOnFeatureFilesWithoutAModelAndRejectsMismatchedDimensions()
    {
        using var folder = new TempFolder();
        using var fixture = new LinearProbeFixture();
        string[] classes = ["a", "b", "c", "d", "e"];
        IReadOnlyList<IReadOnlyList<string>> None(int n) => [.. Enumerable.Repeat<IReadOnlyList<string>>([], n)];
        using (var train = new FeatureSet(fixture.TrainFeatures.clone(), fixture.TrainLabels, None(800), classes, "reference", "probe train"))
            train.Save(folder.File("train.safetensors"));
        using (var test = new FeatureSet(fixture.TestFeatures.clone(), fixture.TestLabels, None(400), classes, "reference", "probe test"))
            test.Save(folder.File("test.safetensors"));

        var result = ClipProcess.Run("eval", "linear-probe", "--train-features", folder.File("train.safetensors"),
            "--test-features", folder.File("test.safetensors"), "--val-fraction", "0.25", "--out", folder.File("probe"));
        AssertSuccess(result);
        var report = JsonNode.Parse(File.ReadAllText(folder.File("probe/linear-probe.json")))!;
        // scikit-learn's reference test accuracy is 0.58 to 0.63 for C from 0.1 to 100 (probe.json).
        Assert.InRange((double)report["test_accuracy"]!, 0.55, 0.68);
        ZeroShotEvaluationTests.AssertPng(folder.File("probe/linear-probe-sweep.png"), minWidth: 800);

        AssertSuccess(ClipProcess.Run("features", "--model", Vit, "--data", EvaluationData.Cifar, "--limit", "20", "--out", folder.File("vit.safetensors")));
        AssertCleanFailure(ClipProcess.Run("eval", "linear-probe", "--train-features", folder.File("train.safetensors"),
            "--test-features", folder.File("vit.safetensors"), "--out", folder.File("mismatch")), "dimension 64", "dimension 32");
    }

    [Fact]
    public void SimilarityPrintsTheReferenceCosinesAndDrawsThem()
    {
        using var folder = new TempFolder();
        var expected = ReferencePairs.Expected();
        using var cosines = expected["logits_per_image"] / expected["logit_scale_exp"];
        string png = folder.File("similarity.png");

        var result = ClipProcess.Run("similarity", "--model", Vit, "--image", ReferencePairs.Images[0], "--image", ReferencePairs.Images[1],
            "--text", ReferencePairs.Captions[0], "--text", ReferencePairs.Captions[1], "--out", png);

        AssertSuccess(result);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                Assert.Contains(cosines[i, j].item<float>().ToString("F4"), result.Output);
        ZeroShotEvaluationTests.AssertPng(png, minWidth: 600);
    }

    [Fact]
    public void ArithmeticRanksTheLabelsAsTheLibraryDoes()
    {
        var result = ClipProcess.Run("arithmetic", "--model", Vit, "--image-a", ReferencePairs.Images[0], "--image-b", ReferencePairs.Images[2],
            "--labels", "hat, cup,cat,boat", "--json");
        AssertSuccess(result);
        var printed = JsonNode.Parse(result.Output)!.AsArray().Select(n => ((string)n!["label"]!, (double)n["score"]!)).ToArray();

        using var clip = EvaluationData.LoadVit();
        var library = EmbeddingArithmetic.RankLabels(clip, ReferencePairs.Images[0], ReferencePairs.Images[2], ["hat", "cup", "cat", "boat"], PromptTemplates.Default);
        Assert.Equal(library.Select(s => s.Label), printed.Select(p => p.Item1));
        Assert.Equal(library.Select(s => s.Score), printed.Select(p => p.Item2));
    }
}
