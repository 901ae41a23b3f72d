using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public partial class SceneCaptionTests
{
    // The caption grammar written out independently: optional frame, "a [size] colour shape",
    // optionally "relation a [size] colour shape".
    [GeneratedRegex(@"^(a photo of )?a (?:(small|large) )?(\w+) (\w+)(?: (above|below|left of|right of) a (?:(small|large) )?(\w+) (\w+))?( on a dark background)?$")]
    private static partial Regex CaptionGrammar();

    [Fact]
    public void EveryCaptionIsPlainEnglishThatNamesTheDrawnAttributes()
    {
        foreach (var sample in GeneratedScenes.Training)
        {
            var match = CaptionGrammar().Match(sample.Caption);
            Assert.True(match.Success, $"caption does not follow the grammar: '{sample.Caption}'");
            var scene = sample.Scene;
            Assert.Equal(scene.First.Color, match.Groups[3].Value);
            Assert.Equal(scene.First.Shape, match.Groups[4].Value);
            if (match.Groups[2].Success)
                Assert.Equal(scene.First.Size, match.Groups[2].Value);
            Assert.Equal(scene.Second is not null, match.Groups[5].Success);
            if (scene.Second is null)
                continue;
            Assert.Equal(scene.Relation, match.Groups[5].Value);
            Assert.Equal(scene.Second.Color, match.Groups[7].Value);
            Assert.Equal(scene.Second.Shape, match.Groups[8].Value);
            if (match.Groups[6].Success)
                Assert.Equal(scene.Second.Size, match.Groups[6].Value);
        }
    }

    [Fact]
    public void EveryCaptionWordIsOneClipTokenSoCaptionsStayFarBelowTheContext()
    {
        using var vocabularyFile = File.OpenRead(SharedFixtures.Fixture("tokenizer", "vocab.json"));
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabularyFile)!;
        var words = GeneratedScenes.Training.SelectMany(s => s.Caption.Split(' ')).ToHashSet();
        Assert.All(words, word => Assert.True(vocabulary.ContainsKey(word + "</w>"), $"'{word}' is not a single CLIP token"));

        // One token per word plus start and end tokens.
        var longest = GeneratedScenes.Training.Max(s => s.Caption.Split(' ').Length) + 2;
        Assert.InRange(longest, 4, 24);
    }

    [Fact]
    public void CaptionsUseEveryTemplateFrameAndSometimesLeaveOutTheSize()
    {
        var captions = GeneratedScenes.Training.Select(s => s.Caption).ToArray();
        Assert.Contains(captions, c => c.StartsWith("a photo of "));
        Assert.Contains(captions, c => c.EndsWith(" on a dark background"));
        Assert.Contains(captions, c => !c.StartsWith("a photo of ") && !c.EndsWith(" on a dark background"));
        Assert.Contains(captions, c => !c.Contains("small") && !c.Contains("large"));
        Assert.InRange(captions.Count(c => c.Contains("small") || c.Contains("large")), 0.6 * captions.Length, captions.Length - 1);
    }
}
