using System.Text.Json;
using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class HuggingFaceKeyMapTests
{
    static readonly string OpenAIFile = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
    static readonly string HuggingFaceFile = SharedFixtures.Fixture("models", "vit", "hf", "model.safetensors");

    [Fact]
    public void HuggingFaceWeightsConvertToTheOpenAIWeightsBitForBit()
    {
        using var huggingFace = StateDictReader.Read(HuggingFaceFile);
        using var expected = SafeTensorsFile.Open(OpenAIFile);
        var openAI = HuggingFaceKeyMap.ToOpenAI(huggingFace);
        Assert.Equal(expected.Tensors.Keys.Order(), openAI.Keys.Order());
        foreach (var name in expected.Tensors.Keys) TensorBytes.AssertIdentical(expected, name, openAI[name], name);
    }

    [Fact]
    public void OpenAIWeightsConvertToTheHuggingFaceWeightsBitForBit()
    {
        using var openAI = StateDictReader.Read(OpenAIFile);
        using var expected = SafeTensorsFile.Open(HuggingFaceFile);
        var huggingFace = HuggingFaceKeyMap.FromOpenAI(openAI);
        Assert.Equal(expected.Tensors.Keys.Order(), huggingFace.Keys.Order());
        foreach (var name in expected.Tensors.Keys) TensorBytes.AssertIdentical(expected, name, huggingFace[name], name);
    }

    /// <summary>Every row of the fixture's key table is what the map says, in both directions.</summary>
    [Fact]
    public void TableAgreesWithTheFixtureKeyList()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "openai_to_hf_keys.json")));
        using var huggingFace = SafeTensorsFile.Open(HuggingFaceFile);
        var rows = doc.RootElement.EnumerateArray().Select(r => (OpenAI: r.GetProperty("openai").GetString()!, HuggingFace: r.GetProperty("hf").GetString()!, Transform: r.GetProperty("transform").GetString()!)).ToList();
        Assert.Equal(huggingFace.Tensors.Keys.Order(), rows.Select(r => r.HuggingFace).Order());
        foreach (var row in rows)
        {
            var (transform, qkv) = row.Transform switch
            {
                "copy" => (KeyTransform.Copy, -1),
                var t when t.StartsWith("transpose") => (KeyTransform.Transpose, -1),
                var t when t.Contains("[0:D)") => (KeyTransform.QkvRows, 0),
                var t when t.Contains("[D:2D)") => (KeyTransform.QkvRows, 1),
                var t when t.Contains("[2D:3D)") => (KeyTransform.QkvRows, 2),
                var t => throw new InvalidDataException($"unexpected transform '{t}'"),
            };
            var expected = new KeyMapping(row.OpenAI, row.HuggingFace, transform, qkv);
            Assert.Equal(expected, HuggingFaceKeyMap.ForHuggingFaceKey(row.HuggingFace));
            Assert.Contains(expected, HuggingFaceKeyMap.ForOpenAIKey(row.OpenAI));
        }
    }

    [Fact]
    public void PositionIdsAreIgnored()
    {
        using var huggingFace = StateDictReader.Read(HuggingFaceFile);
        var withIds = huggingFace.ToDictionary(kv => kv.Key, kv => kv.Value);
        withIds["text_model.embeddings.position_ids"] = torch.arange(77, ScalarType.Int64).unsqueeze(0);
        withIds["vision_model.embeddings.position_ids"] = torch.arange(17, ScalarType.Int64).unsqueeze(0);
        Assert.Equal(62, HuggingFaceKeyMap.ToOpenAI(withIds).Count);
    }

    [Fact]
    public void MissingQkvPartIsNamed()
    {
        using var huggingFace = StateDictReader.Read(HuggingFaceFile);
        var partial = huggingFace.Where(kv => kv.Key != "vision_model.encoder.layers.1.self_attn.k_proj.bias").ToDictionary(kv => kv.Key, kv => kv.Value);
        var error = Assert.Throws<ClipNetException>(() => HuggingFaceKeyMap.ToOpenAI(partial));
        Assert.Contains("'vision_model.encoder.layers.1.self_attn.k_proj.bias'", error.Message);
        Assert.Contains("visual.transformer.resblocks.1.attn.in_proj_bias", error.Message);
    }

    [Fact]
    public void UnknownNamesAreRefused()
    {
        var hf = Assert.Throws<ClipNetException>(() => HuggingFaceKeyMap.ToOpenAI(new Dictionary<string, Tensor> { ["text_model.pooler.weight"] = torch.ones(1) }));
        Assert.Contains("'text_model.pooler.weight'", hf.Message);
        using var rn = StateDictReader.Read(SharedFixtures.Fixture("models", "rn", "weights_openai.safetensors"));
        var openAI = Assert.Throws<ClipNetException>(() => HuggingFaceKeyMap.FromOpenAI(rn));
        Assert.Contains("has no Hugging Face CLIPModel counterpart", openAI.Message);
    }
}
