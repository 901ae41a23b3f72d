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

    /// <summary>
    /// Issue 15: a bf16 load of float32 weights casts tensor by tensor from the mapped file and gives each tensor's
    /// pages back once cast, so the file's pages and the converted model are never resident together. Without that,
    /// every page of the file stays resident until the load ends (the cast read them all).
    /// </summary>
    [Fact]
    public void ABFloat16LoadOfFloat32WeightsKeepsAlmostNoneOfTheFileResident()
    {
        using var folder = new TempFolder();
        string path = folder.File("float32.safetensors");
        using (var scope = NewDisposeScope())
        using (var random = new ClipModel(ModelConfigs.Get("quickstart-ViT-32px")))
            SafeTensors.SafeTensorsWriter.Write(path, random.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.contiguous()));
        long fileBytes = new FileInfo(path).Length;

        using var bf16 = Clip.Load(path, ScalarType.BFloat16);
        long resident = ResidentBytesMappedFrom(path);
        // What stays mapped is what stays float32 (LayerNorm, the temperature) and the pages cast tensors share with them.
        Assert.True(resident < fileBytes / 10, $"{resident} of the file's {fileBytes} bytes are resident after a bf16 load");

        // The float32 tensors left in place still read what the file holds, next to pages that were given back.
        using var float32 = Clip.Load(path);
        var expected = float32.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in bf16.Model.named_parameters())
            Assert.True(parameter.eq(expected[name].to_type(parameter.dtype)).all().item<bool>(), $"{name} differs from the file");
    }

    /// <summary>The resident bytes of this process's mappings of <paramref name="file"/>, from /proc/self/smaps.</summary>
    static long ResidentBytesMappedFrom(string file)
    {
        long total = 0;
        bool inFile = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-') && !fields[0].EndsWith(':')) inFile = fields.Length >= 6 && fields[5] == file;
            else if (inFile && fields[0] == "Rss:") total += long.Parse(fields[1]) * 1024;
        }
        return total;
    }

    [Fact]
    public void AnIntegerWeightTypeIsRefusedWithAMessage()
    {
        var error = Assert.Throws<ClipNetException>(() => Clip.Load(Weights("vit"), ScalarType.Int32));
        Assert.Contains("floating-point", error.Message);
    }
}
