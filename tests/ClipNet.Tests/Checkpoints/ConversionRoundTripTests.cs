using ClipNet.Checkpoints;
using ClipNet.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

/// <summary>`clip convert` round trips: load → save → load gives bit-identical tensors, in both target formats.</summary>
public class ConversionRoundTripTests
{
    static void AssertSameWeights(ClipModel expected, ClipModel actual)
    {
        var reference = expected.state_dict();
        var converted = actual.state_dict();
        Assert.Equal(reference.Keys.Order(), converted.Keys.Order());
        foreach (var (name, tensor) in reference)
        {
            Assert.Equal(tensor.dtype, converted[name].dtype);
            Assert.True((tensor == converted[name]).all().item<bool>(), $"{name} changed in the round trip");
        }
    }

    [Theory]
    [InlineData("vit", ExportFormat.HuggingFace)]
    [InlineData("vit", ExportFormat.OpenClip)]
    [InlineData("rn", ExportFormat.OpenClip)]
    public void LoadSaveLoadIsBitExact(string model, ExportFormat format)
    {
        using var folder = new TempFolder();
        using var original = Clip.Load(SharedFixtures.Fixture("models", model, "weights_openai.safetensors"));
        string output = folder.File("converted");
        original.Export(format, output);
        using var reloaded = Clip.Load(output);
        AssertSameWeights(original.Model, reloaded.Model);
        Assert.Equal(original.Model.Config.ToOpenClipJson().ToJsonString(), reloaded.Model.Config.ToOpenClipJson().ToJsonString());
        Assert.Equal(original.Preprocessor.Size, reloaded.Preprocessor.Size);

        // On from the converted copy to the other format (ResNets have only one): still the same bits.
        var next = model == "rn" ? ExportFormat.OpenClip : format == ExportFormat.HuggingFace ? ExportFormat.OpenClip : ExportFormat.HuggingFace;
        string again = folder.File("again");
        reloaded.Export(next, again);
        using var twice = Clip.Load(again);
        AssertSameWeights(original.Model, twice.Model);
    }

    [Fact]
    public void HuggingFaceFolderHasTheLayoutTransformersExpects()
    {
        using var folder = new TempFolder();
        using var original = Clip.Load(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        original.Export(ExportFormat.HuggingFace, folder.Path);
        string reference = SharedFixtures.Fixture("models", "vit", "hf");
        foreach (string file in Directory.GetFiles(reference).Select(f => Path.GetFileName(f)))
            Assert.True(File.Exists(folder.File(file)), $"missing {file}");

        // The weights file holds exactly the reference Hugging Face tensors, bit for bit.
        using var ours = SafeTensorsFile.Open(folder.File("model.safetensors"));
        using var theirs = SafeTensorsFile.Open(Path.Combine(reference, "model.safetensors"));
        Assert.Equal(theirs.Tensors.Keys.Order(), ours.Tensors.Keys.Order());
        foreach (string name in theirs.Tensors.Keys)
            Assert.Equal(theirs.ReadBytes(name), ours.ReadBytes(name));
        Assert.Equal(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(reference, "vocab.json"))),
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(folder.File("vocab.json"))));
        Assert.Equal(File.ReadAllText(Path.Combine(reference, "merges.txt")).Trim(), File.ReadAllText(folder.File("merges.txt")).Trim());

        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(folder.File("config.json")))!;
        var expected = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(reference, "config.json")))!;
        foreach (string tower in new[] { "text_config", "vision_config" })
            foreach (var (key, value) in expected[tower]!.AsObject())
                Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(value, config[tower]![key]), $"{tower}.{key}: {config[tower]![key]} != {value}");
        Assert.Equal((int)expected["projection_dim"]!, (int)config["projection_dim"]!);
    }

    [Fact]
    public void ResNetCannotBecomeAHuggingFaceFolder()
    {
        using var folder = new TempFolder();
        using var rn = Clip.Load(SharedFixtures.Fixture("models", "rn", "weights_openai.safetensors"));
        var error = Assert.Throws<ClipNetException>(() => rn.Export(ExportFormat.HuggingFace, folder.File("hf")));
        Assert.Contains("ModifiedResNet", error.Message);
        Assert.False(Directory.Exists(folder.File("hf")));
    }

    [Fact]
    public void MissingTensorAndWrongShapeAreNamed()
    {
        using var folder = new TempFolder();
        using var source = SafeTensorsFile.Open(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        var tensors = source.Tensors.Keys.ToDictionary(k => k, source.Load);

        var withoutOne = new Dictionary<string, Tensor>(tensors);
        withoutOne.Remove("ln_final.bias");
        string missingPath = folder.File("missing.safetensors");
        SafeTensorsWriter.Write(missingPath, withoutOne);
        File.Copy(SharedFixtures.Fixture("models", "vit", "open_clip_config.json"), folder.File("open_clip_config.json"));
        var missing = Assert.Throws<ClipNetException>(() => Clip.Load(missingPath));
        Assert.Contains("missing tensor 'ln_final.bias'", missing.Message);
        Assert.Contains(missingPath, missing.Message);

        var reshaped = new Dictionary<string, Tensor>(tensors) { ["visual.proj"] = torch.zeros(128, 16) };
        string wrongPath = folder.File("wrong.safetensors");
        SafeTensorsWriter.Write(wrongPath, reshaped);
        var wrong = Assert.Throws<ClipNetException>(() => Clip.Load(wrongPath));
        Assert.Contains("'visual.proj' has shape [128, 16] but the model expects [128, 32]", wrong.Message);
    }
}
