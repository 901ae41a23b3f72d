using ClipNet.Vision;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Vision;

public sealed class PreprocessorConfigTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("clipnet-vision-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    string Write(string json)
    {
        var path = Path.Combine(directory, "preprocessor_config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void ReadsTheHuggingFaceFixtureConfig()
    {
        var preprocessor = ImagePreprocessor.FromPreprocessorConfig(SharedFixtures.Fixture("models", "vit", "hf", "preprocessor_config.json"));
        Assert.Equal(32, preprocessor.Size);
        Assert.Equal(32, preprocessor.ResizeShortSide);
        Assert.Equal(ImagePreprocessor.ClipMean, preprocessor.Mean);
        Assert.Equal(ImagePreprocessor.ClipStd, preprocessor.Std);
        Assert.False(preprocessor.ApplyExifOrientation);
    }

    /// <summary>The vit fixture's <c>pixel_values</c> are <c>_transform(32)</c> of four preprocess images.</summary>
    [Fact]
    public void TheFixtureConfigReproducesTheModelInputs()
    {
        var preprocessor = ImagePreprocessor.FromPreprocessorConfig(SharedFixtures.Fixture("models", "vit", "hf", "preprocessor_config.json"));
        string[] keys = ["rgb_640x480.jpg", "rgb_480x640_portrait.jpg", "rgba_300x200.png", "palette_P_256x192.png"];
        using var batch = preprocessor.PreprocessBatch(keys.Select(k => PreprocessCases.Named(k).ImagePath).ToList());
        Assert.Equal(new long[] { 4, 3, 32, 32 }, batch.shape);
        using var inputs = ClipNet.SafeTensors.SafeTensorsFile.Open(SharedFixtures.Fixture("models", "vit", "inputs.safetensors"));
        var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(inputs.ReadBytes("pixel_values")).ToArray();
        Assert.Equal(expected, batch.data<float>().ToArray());
    }

    [Fact]
    public void AcceptsPlainIntSizesAndADifferentResize()
    {
        var preprocessor = ImagePreprocessor.FromPreprocessorConfig(Write(
            """{"size": 256, "crop_size": 224, "resample": 3, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]}"""));
        Assert.Equal(224, preprocessor.Size);
        Assert.Equal(256, preprocessor.ResizeShortSide);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, preprocessor.Mean);
        Assert.Equal(new[] { 0.25f, 0.25f, 0.25f }, preprocessor.Std);
    }

    [Theory]
    [InlineData("""{"size": {"height": 224, "width": 224}, "crop_size": 224, "image_mean": [0,0,0], "image_std": [1,1,1]}""", "\"size\"")]
    [InlineData("""{"size": 224, "crop_size": {"height": 224, "width": 200}, "image_mean": [0,0,0], "image_std": [1,1,1]}""", "only square")]
    [InlineData("""{"size": 224, "resample": 2, "image_mean": [0,0,0], "image_std": [1,1,1]}""", "resample")]
    [InlineData("""{"size": 224, "image_std": [1,1,1]}""", "image_mean")]
    [InlineData("""{"size": 224, "image_mean": [0,0], "image_std": [1,1,1]}""", "3 numbers")]
    [InlineData("""{"size": 224,""", "not valid JSON")]
    public void RejectsConfigsItCannotHonourNamingTheFileAndField(string json, string problem)
    {
        var path = Write(json);
        var error = Assert.Throws<ClipNetException>(() => ImagePreprocessor.FromPreprocessorConfig(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
    }
}
