using ClipNet.Checkpoints;
using ClipNet.Evaluation;
using ClipNet.Tests.Checkpoints;
using ClipNet.Data;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Evaluation;

public class FeatureSetTests
{
    [Fact]
    public void ExtractionEmbedsTheDatasetInOrderWithItsLabelsAndCaptions()
    {
        using var clip = EvaluationData.LoadVit();
        var dataset = DatasetFactory.Open(EvaluationData.Cifar);
        var reported = new List<(int Done, int Total)>();
        using var features = FeatureExtraction.Extract(clip, dataset, limit: 30, progress: new Recorder(reported));

        Assert.Equal(30, features.Count);
        Assert.Equal(32, features.Dimension);
        Assert.Equal(ScalarType.Float32, features.ImageFeatures.dtype);
        // The set's README: record k has label k mod 10.
        Assert.Equal(Enumerable.Range(0, 30).Select(k => (long)(k % 10)), features.Labels);
        Assert.Equal(EvaluationData.CifarClasses, features.ClassNames);
        Assert.Equal(["a photo of a bird."], features.Captions[2]);
        Assert.Equal((30, 30), reported.Last());

        // Raw features: the model's own image embeddings of the same pixels, not unit vectors.
        var pixels = new EvaluationLoader(dataset, clip.Preprocessor).Chunks(30).First().Pixels;
        using var expected = clip.EncodePixels(pixels, normalize: false);
        Assert.True(expected.allclose(features.ImageFeatures, rtol: 1e-5, atol: 1e-6));
        Assert.True(features.ImageFeatures.norm(1).sub(1).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void SavedFeaturesLoadBackExactly()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Photos, limit: 5);
        string path = folder.File("photos.safetensors");
        features.Save(path);

        using (var file = SafeTensorsFile.Open(path))
        {
            Assert.Equal("F32", file.Info("image_features").DType);
            Assert.Equal(new long[] { 5, 32 }, file.Info("image_features").Shape);
            Assert.Equal("I64", file.Info("labels").DType);
            Assert.Equal(EvaluationData.Vit, file.Metadata["model"]);
        }
        using var loaded = FeatureSet.Load(path);
        Assert.True(EvaluationData.Identical(loaded.ImageFeatures, features.ImageFeatures));
        Assert.Equal(features.Labels, loaded.Labels);
        Assert.Equal(features.Captions, loaded.Captions);
        Assert.Equal(features.ClassNames, loaded.ClassNames);
        Assert.Equal(features.Model, loaded.Model);
        Assert.Equal(EvaluationData.Photos, loaded.Dataset);
        // photos-demo's captions.tsv, record 2.
        Assert.Equal(["a close-up of the face of a tabby cat with green eyes"], loaded.Captions[2]);
    }

    [Fact]
    public void AFileThatIsNotAFeatureFileIsRejectedByName()
    {
        var error = Assert.Throws<ClipNetException>(() => FeatureSet.Load(EvaluationData.Vit));
        Assert.Contains(EvaluationData.Vit, error.Message);
        Assert.Contains("not a ClipNet feature file", error.Message);
    }

    [Fact]
    public void AFeatureFileOfAnotherDimensionThanTheModelIsRejectedNamingBoth()
    {
        using var folder = new TempFolder();
        string path = folder.File("wide.safetensors");
        using (var wide = new FeatureSet(randn(4, 48), [0, 1, 0, 1], [["a"], ["b"], ["c"], ["d"]], ["x", "y"], "another-model.safetensors", "somewhere"))
            wide.Save(path);
        using var clip = EvaluationData.LoadVit();

        var error = Assert.Throws<ClipNetException>(() => new FeatureSource(Features: path).Obtain(clip));
        Assert.Contains(path, error.Message);
        Assert.Contains("dimension 48", error.Message);
        Assert.Contains("dimension 32", error.Message);
    }

    [Fact]
    public void AFeatureSourceWritesItsFileOnceAndThenReadsIt()
    {
        using var folder = new TempFolder();
        string path = folder.File("cifar.safetensors");
        using var clip = EvaluationData.LoadVit();
        var source = new FeatureSource(EvaluationData.Cifar, path, Limit: 20);
        using var made = source.Obtain(clip);
        Assert.True(File.Exists(path));

        // With the dataset gone from the request, the file alone must serve.
        using var read = (source with { Data = null }).Obtain(clip);
        Assert.True(EvaluationData.Identical(read.ImageFeatures, made.ImageFeatures));
        using var fewer = (source with { Data = null, Limit = 7 }).Obtain(null);
        Assert.Equal(7, fewer.Count);
        Assert.Equal(made.Labels.Take(7), fewer.Labels);
    }

    sealed class Recorder(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => reports.Add(value);
    }
}
