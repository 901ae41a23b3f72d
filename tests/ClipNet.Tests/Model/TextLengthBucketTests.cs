using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Model;

/// <summary>
/// <see cref="Clip.EncodeTexts"/> sorts a request's texts by token length and encodes them in batches of similar
/// length: the result must be what encoding each text alone gives, in input order.
/// </summary>
public class TextLengthBucketTests
{
    [Fact]
    public void BucketedEncodingEqualsEachTextAloneInInputOrder()
    {
        string demo = SharedFixtures.DataPath("photos-demo");
        var captions = File.ReadAllLines(Path.Combine(demo, "captions.tsv")).Skip(1).Select(l => l.Split('\t')[1]).ToList();
        // Short and long texts interleaved, so sorting by length really reorders them.
        var texts = captions.Zip(captions.Select(c => c.Split(' ')[^1])).SelectMany(p => new[] { p.First, p.Second }).ToList();
        using var loaded = Clip.Load(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        var clip = new Clip(loaded.Model, loaded.Tokenizer, loaded.Preprocessor, loaded.Source) { BatchSize = 3 };

        var bucketed = clip.EncodeTexts(texts, normalize: false);
        Assert.Equal(texts.Count, (int)bucketed.shape[0]);
        using var _ = torch.no_grad();
        for (int i = 0; i < texts.Count; i++)
        {
            var alone = clip.Model.EncodeText(clip.Tokenizer.TokenizeBatch([texts[i]], clip.Model.Config.Text.ContextLength, truncate: false))[0];
            Assert.True(bucketed[i].allclose(alone, rtol: 1e-5, atol: 1e-6), $"text {i} ('{texts[i]}') differs from its embedding alone");
        }
        var lengths = texts.Select(t => t.Length).ToList();
        Assert.NotEqual(lengths.Order().ToList(), lengths);   // the input was not already sorted
    }
}
