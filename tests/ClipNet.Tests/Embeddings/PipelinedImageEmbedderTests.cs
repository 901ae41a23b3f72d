using ClipNet.Embeddings;
using ClipNet.Tests.Search;
using Xunit;

namespace ClipNet.Tests.Embeddings;

/// <summary>The pipelined embedder gives exactly what the sequential path gives, in order, and survives bad files.</summary>
public class PipelinedImageEmbedderTests
{
    static IReadOnlyList<string> DemoPhotos => [.. PhotoLibrary.DemoNames.Select(n => Path.Combine(PhotoLibrary.DemoImages, n))];

    [Fact]
    public void EmbeddingsAreBitIdenticalToEncodeImages()
    {
        var loaded = ClipNet.Checkpoints.ModelLoader.Load(PhotoLibrary.Model);
        using var clip = new Clip(loaded.Model, loaded.Tokenizer, loaded.Preprocessor, loaded.Source) { BatchSize = 5 };
        var paths = DemoPhotos;
        using var sequential = clip.EncodeImages(paths);
        var expected = sequential.data<float>().ToArray();
        var progress = new List<(int Done, int Total)>();
        var pipelined = new PipelinedImageEmbedder(clip) { Workers = 3, BatchesAhead = 2 }
            .Embed(paths, new Progress(progress)).ToList();

        Assert.Equal(Enumerable.Range(0, paths.Count), pipelined.Select(e => e.Index));
        int dimension = clip.EmbeddingDimension;
        for (int i = 0; i < paths.Count; i++)
            Assert.True(expected.AsSpan(i * dimension, dimension).SequenceEqual(pipelined[i].Vector), $"{paths[i]} differs");
        Assert.Equal([(5, 16), (10, 16), (15, 16), (16, 16)], progress);
    }

    [Fact]
    public void AnUndecodableFileIsReportedInPlaceAndTheOthersAreEmbedded()
    {
        using var folder = new Checkpoints.TempFolder();
        string broken = folder.Write("broken.png", [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        using var clip = Clip.Load(PhotoLibrary.Model);
        var paths = new List<string>(DemoPhotos.Take(3)) { broken, DemoPhotos[3], Path.Combine(folder.Path, "missing.jpg") };
        var results = new PipelinedImageEmbedder(clip).Embed(paths).ToList();

        Assert.Equal(Enumerable.Range(0, paths.Count), results.Select(r => r.Index));
        Assert.Contains("broken.png", results[3].Problem);
        Assert.Null(results[3].Vector);
        Assert.Contains("missing.jpg: file not found", results[5].Problem);
        // The readable images make one batch, as they would for EncodeImages.
        using var expected = clip.EncodeImages(DemoPhotos.Take(4).ToList());
        int dimension = clip.EmbeddingDimension;
        var flat = expected.data<float>().ToArray();
        Assert.True(flat.AsSpan(3 * dimension, dimension).SequenceEqual(results[4].Vector));
        Assert.True(flat.AsSpan(0, dimension).SequenceEqual(results[0].Vector));
    }

    sealed class Progress(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => reports.Add(value);
    }
}
