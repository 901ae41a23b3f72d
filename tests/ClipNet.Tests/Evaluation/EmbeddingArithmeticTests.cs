using ClipNet.Data;
using ClipNet.Evaluation;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Evaluation;

public class EmbeddingArithmeticTests
{
    [Fact]
    public void ScoresAreCosinesOfTheNormalisedDifferenceWithTheReferenceTexts()
    {
        using var clip = EvaluationData.LoadVit();
        var expected = ReferencePairs.Expected();
        var images = expected["image_features_normalized"];
        var difference = images[0] - images[1];
        using var reference = expected["text_features_normalized"].matmul(difference / difference.norm());

        // The template "{}" makes each label its own prompt, so the labels are the fixture's captions.
        var ranked = EmbeddingArithmetic.RankLabels(clip, ReferencePairs.Images[0], ReferencePairs.Images[1], ReferencePairs.Captions, ["{}"]);

        Assert.Equal(5, ranked.Count);
        Assert.Equal(ranked.OrderByDescending(r => r.Score), ranked);
        var scores = ReferencePairs.Captions.Select(c => ranked.Single(r => r.Label == c).Score).ToArray();
        FixtureTensors.AssertClose(reference, tensor(scores), 1e-5, 0, "arithmetic scores");
    }

    [Fact]
    public void TheSameImageTwiceIsAnError()
    {
        using var clip = EvaluationData.LoadVit();
        var error = Assert.Throws<ClipNetException>(() =>
            EmbeddingArithmetic.RankLabels(clip, ReferencePairs.Images[0], ReferencePairs.Images[0], ["cat", "dog"], PromptTemplates.Default));
        Assert.Contains("same embedding", error.Message);
    }
}
