using System.Security.Cryptography;
using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public class SyntheticScenesDeterminismTests
{
    [Fact]
    public void SameSeedAndIndexGiveTheSameBytesAndCaptionFromAFreshGenerator()
    {
        var again = new SyntheticScenes(new SyntheticSceneOptions(Seed: 0));
        foreach (var index in new[] { 0, 1, 17, 1999 })
        {
            var first = GeneratedScenes.Training[index];
            var second = again.TrainingSample(index);
            Assert.Equal(first.Rgb, second.Rgb);
            Assert.Equal(first.Caption, second.Caption);
            Assert.Equal(first.Scene, second.Scene);
        }
    }

    [Fact]
    public void ParallelGenerationMatchesOneAtATimeInReverseOrder()
    {
        var sequential = new SyntheticScenes();
        for (var index = 63; index >= 0; index--)
            Assert.Equal(sequential.TrainingSample(index).Rgb, GeneratedScenes.Training[index].Rgb);
    }

    [Fact]
    public void DifferentIndicesOrSeedsGiveDifferentImages()
    {
        var images = GeneratedScenes.Training.Take(200).Select(s => Convert.ToHexString(SHA256.HashData(s.Rgb))).ToHashSet();
        Assert.Equal(200, images.Count);

        var otherSeed = new SyntheticScenes(new SyntheticSceneOptions(Seed: 1));
        Assert.NotEqual(GeneratedScenes.Training[5].Rgb, otherSeed.TrainingSample(5).Rgb);
    }

    [Fact]
    public void EvaluationImagesAreNotTrainingImages()
    {
        var training = GeneratedScenes.Training.Select(s => Convert.ToHexString(SHA256.HashData(s.Rgb))).ToHashSet();
        var seen = GeneratedScenes.Default.SeenEvaluationSet(100).Samples;
        Assert.DoesNotContain(seen, sample => training.Contains(Convert.ToHexString(SHA256.HashData(sample.Rgb))));
    }

    [Fact]
    public void TrainingImagesAreNotAllTheSameSceneDespiteEqualDescriptions()
    {
        // Jitter: two samples describing the same single shape still differ in pixels.
        var sameScene = GeneratedScenes.Training
            .Where(s => s.Scene.Second is null)
            .GroupBy(s => s.Scene)
            .First(group => group.Count() > 1)
            .Take(2)
            .ToArray();
        Assert.NotEqual(sameScene[0].Rgb, sameScene[1].Rgb);
    }
}
