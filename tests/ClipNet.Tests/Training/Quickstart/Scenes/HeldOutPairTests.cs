using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public class HeldOutPairTests
{
    [Fact]
    public void AboutAFifthOfAllColorShapePairsAreHeldOut()
    {
        var pairs = SceneVocabulary.Colors.Count * SceneVocabulary.Shapes.Count;
        Assert.Equal(SceneVocabulary.HeldOutPairs.Count, SceneVocabulary.HeldOutPairs.Distinct().Count());
        Assert.InRange(SceneVocabulary.HeldOutPairs.Count, 0.15 * pairs, 0.25 * pairs);
        Assert.All(SceneVocabulary.HeldOutPairs, pair =>
        {
            Assert.Contains(pair.Color, SceneVocabulary.Colors);
            Assert.Contains(pair.Shape, SceneVocabulary.Shapes);
        });
    }

    [Fact]
    public void NoTrainingSceneShowsAHeldOutPairInItsAttributesOrCaption()
    {
        var heldOut = SceneVocabulary.HeldOutPairs.ToHashSet();
        foreach (var sample in GeneratedScenes.Training)
        {
            foreach (var shape in sample.Scene.Objects)
                Assert.DoesNotContain((shape.Color, shape.Shape), heldOut);
            foreach (var shape in sample.Layout)
                Assert.DoesNotContain((shape.Object.Color, shape.Object.Shape), heldOut);
            foreach (var (color, shapeName) in heldOut)
            {
                Assert.DoesNotContain($"{color} {shapeName}", sample.Caption);
            }
        }
    }

    [Fact]
    public void EveryColorAndShapeStillAppearsInTrainingWithSeveralPartners()
    {
        var seenPairs = GeneratedScenes.Training.SelectMany(s => s.Scene.Objects).Select(o => (o.Color, o.Shape)).ToHashSet();
        foreach (var color in SceneVocabulary.Colors)
            Assert.True(seenPairs.Count(p => p.Color == color) >= 3, $"'{color}' appears with fewer than 3 shapes in training");
        foreach (var shape in SceneVocabulary.Shapes)
            Assert.True(seenPairs.Count(p => p.Shape == shape) >= 3, $"'{shape}' appears with fewer than 3 colours in training");
        // Every pair that is not held out does show up.
        Assert.Equal(SceneVocabulary.Colors.Count * SceneVocabulary.Shapes.Count - SceneVocabulary.HeldOutPairs.Count, seenPairs.Count);
    }

    [Fact]
    public void TrainingMixesOneAndTwoShapeScenesWithEveryRelationAndSize()
    {
        var scenes = GeneratedScenes.Training.Select(s => s.Scene).ToArray();
        Assert.InRange(scenes.Count(s => s.Second is not null), 0.4 * scenes.Length, 0.6 * scenes.Length);
        Assert.Equal(SceneVocabulary.Relations.Order(), scenes.Where(s => s.Relation is not null).Select(s => s.Relation!).Distinct().Order());
        Assert.Equal(SceneVocabulary.Sizes.Order(), scenes.SelectMany(s => s.Objects).Select(o => o.Size).Distinct().Order());
    }
}
