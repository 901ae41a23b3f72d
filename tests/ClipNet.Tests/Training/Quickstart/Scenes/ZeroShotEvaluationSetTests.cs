using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public class ZeroShotEvaluationSetTests
{
    [Fact]
    public void ClassesAreEveryColorShapePairSoChanceIsOneOverThirty()
    {
        var set = GeneratedScenes.Default.HeldOutEvaluationSet(12);
        Assert.Equal(30, set.ClassNames.Count);
        Assert.Equal(30, set.ClassNames.Distinct().Count());
        Assert.Contains("red circle", set.ClassNames);
        Assert.Contains("purple star", set.ClassNames);
        Assert.Equal(1.0 / 30, set.ChanceAccuracy, 12);
    }

    [Fact]
    public void PromptsFillEachTemplateWithTheClassName()
    {
        var set = GeneratedScenes.Default.SeenEvaluationSet(1);
        var prompts = set.Prompts("red circle");
        Assert.Contains("a red circle", prompts);
        Assert.Contains("a photo of a red circle", prompts);
        Assert.Equal(set.Templates.Count, prompts.Count);
        Assert.All(prompts, p => Assert.DoesNotContain("{}", p));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LabelsNameTheDrawnSingleShape(bool heldOut)
    {
        var set = heldOut ? GeneratedScenes.Default.HeldOutEvaluationSet(60) : GeneratedScenes.Default.SeenEvaluationSet(60);
        Assert.Equal(60, set.Samples.Count);
        Assert.Equal(60, set.Labels.Count);
        var heldOutPairs = SceneVocabulary.HeldOutPairs.ToHashSet();
        for (var i = 0; i < set.Samples.Count; i++)
        {
            var sample = set.Samples[i];
            Assert.Null(sample.Scene.Second);
            var shape = Assert.Single(sample.Layout).Object;
            Assert.Equal($"{shape.Color} {shape.Shape}", set.ClassNames[set.Labels[i]]);
            Assert.Equal(heldOut, heldOutPairs.Contains((shape.Color, shape.Shape)));
            Assert.Contains($"{shape.Color} {shape.Shape}", sample.Caption);
        }
    }

    [Fact]
    public void HeldOutSetCoversEveryHeldOutPairEqually()
    {
        var set = GeneratedScenes.Default.HeldOutEvaluationSet(SceneVocabulary.HeldOutPairs.Count * 5);
        var counts = set.Labels.GroupBy(l => l).Select(g => g.Count()).ToArray();
        Assert.Equal(SceneVocabulary.HeldOutPairs.Count, counts.Length);
        Assert.All(counts, c => Assert.Equal(5, c));
    }

    [Fact]
    public void AnEmptyEvaluationSetIsAUserError()
    {
        var error = Assert.Throws<ClipNetException>(() => GeneratedScenes.Default.HeldOutEvaluationSet(0));
        Assert.Contains("at least one image", error.Message);
    }
}
