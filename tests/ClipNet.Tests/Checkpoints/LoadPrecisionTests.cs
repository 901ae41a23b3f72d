using ClipNet.Checkpoints;
using ClipNet.Model;
using ClipNet.Tests.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Checkpoints;

/// <summary>
/// Loading at a chosen precision: weights cast once at load and used in place when no cast is needed, nothing
/// randomly initialised first, and bf16 embeddings that point where float32's do.
/// </summary>
public class LoadPrecisionTests
{
    static string Weights(string model) => SharedFixtures.Fixture("models", model, "weights_openai.safetensors");

    /// <summary>The smallest per-row cosine similarity of two embedding matrices.</summary>
    static double WorstCosine(Tensor a, Tensor b) =>
        nn.functional.cosine_similarity(a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64), dim: 1).min().item<double>();

    [Theory]
    [InlineData("vit")]
    [InlineData("rn")]
    public void BFloat16EmbeddingsOfTheFixtureInputsKeepTheFloat32Direction(string model)
    {
        using var float32 = Clip.Load(Weights(model));
        using var bf16 = Clip.Load(Weights(model), ScalarType.BFloat16);
        var inputs = ReferenceModels.Inputs(model);
        var ids = inputs["input_ids"].to_type(ScalarType.Int64);

        Assert.Equal(ScalarType.BFloat16, bf16.Model.DType);
        double images = WorstCosine(float32.EncodePixels(inputs["pixel_values"]), bf16.EncodePixels(inputs["pixel_values"]));
        double texts = WorstCosine(float32.Model.EncodeText(ids), bf16.Model.EncodeText(ids));
        Assert.True(images >= 0.999, $"{model}: worst image cosine bf16 vs float32 is {images:F5}");
        Assert.True(texts >= 0.999, $"{model}: worst text cosine bf16 vs float32 is {texts:F5}");
    }

    [Fact]
    public void BFloat16EmbeddingsOfRealPhotosAndCaptionsKeepTheFloat32Direction()
    {
        string demo = SharedFixtures.DataPath("photos-demo");
        var rows = File.ReadAllLines(Path.Combine(demo, "captions.tsv")).Skip(1).Select(l => l.Split('\t')).ToList();
        var photos = rows.Select(r => Path.Combine(demo, r[2])).ToList();
        var captions = rows.Select(r => r[1]).ToList();
        using var float32 = Clip.Load(Weights("vit"));
        using var bf16 = Clip.Load(Weights("vit"), ScalarType.BFloat16);

        double images = WorstCosine(float32.EncodeImages(photos), bf16.EncodeImages(photos));
        double texts = WorstCosine(float32.EncodeTexts(captions), bf16.EncodeTexts(captions));
        Assert.True(images >= 0.999, $"worst photo cosine bf16 vs float32 is {images:F5}");
        Assert.True(texts >= 0.999, $"worst caption cosine bf16 vs float32 is {texts:F5}");
    }

    [Fact]
    public void LayerNormAndTheTemperatureStayFloat32InABFloat16Model()
    {
        using var clip = Clip.Load(Weights("vit"), ScalarType.BFloat16);
        foreach (var (name, parameter) in clip.Model.named_parameters())
        {
            bool float32 = name.Contains("ln_") || name.StartsWith("logit_", StringComparison.Ordinal);
            Assert.True(parameter.dtype == (float32 ? ScalarType.Float32 : ScalarType.BFloat16), $"{name} is {parameter.dtype}");
        }
        using var reference = Clip.Load(Weights("vit"));
        Assert.Equal(reference.InverseTemperature, clip.InverseTemperature);
    }

    [Fact]
    public void AModelBuiltForLoadingDrawsNoRandomNumbers()
    {
        var config = ModelConfigs.Get("quickstart-ViT-32px");
        torch.manual_seed(7);
        float expected = torch.rand(1).item<float>();
        torch.manual_seed(7);
        using (new ClipModel(config, ParameterFactory.Uninitialized(ScalarType.Float32))) { }
        Assert.Equal(expected, torch.rand(1).item<float>());

        // The same check can fail: a model built for training does draw.
        torch.manual_seed(7);
        using (new ClipModel(config)) { }
        Assert.NotEqual(expected, torch.rand(1).item<float>());
    }

    [Fact]
    public void WeightsOfTheLoadedTypeAreUsedInPlaceNotCopied()
    {
        using var stateDict = StateDictReader.Read(Weights("vit"));
        var config = ArchitectureInference.Infer(stateDict, "vit", quickGelu: true);
        using var model = new ClipModel(config, ParameterFactory.Uninitialized(ScalarType.Float32));
        WeightAssignment.Assign(model, stateDict, "vit");
        foreach (var (name, parameter) in model.named_parameters())
        {
            var source = stateDict[name];
            Assert.True(parameter.storage<float>().data_ptr() == source.storage<float>().data_ptr()
                && parameter.storage_offset() == source.storage_offset(), $"{name} was copied");
        }
    }

    [Fact]
    public void AnIntegerWeightTypeIsRefusedWithAMessage()
    {
        var error = Assert.Throws<ClipNetException>(() => Clip.Load(Weights("vit"), ScalarType.Int32));
        Assert.Contains("floating-point", error.Message);
    }
}
