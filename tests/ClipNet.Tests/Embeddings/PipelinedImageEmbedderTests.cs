using System.Collections.Concurrent;
using ClipNet.Data;
using ClipNet.Embeddings;
using ClipNet.Evaluation;
using ClipNet.SafeTensors;
using ClipNet.Tests.Evaluation;
using ClipNet.Tests.Search;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Embeddings;

/// <summary>
/// The pipelined embedder, and the commands that embed through it (`clip embed`, `clip features` and the evaluations,
/// `clip index`), give exactly what the sequential path gives (every image preprocessed first, then the model, in the
/// same batches), in order, and survive bad files.
/// </summary>
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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ClipEmbedsFileIsBitIdenticalToTheSequentialPath(bool normalize)
    {
        using var folder = new Checkpoints.TempFolder();
        using var clip = Clip.Load(PhotoLibrary.Model);
        clip.BatchSize = 5;
        var paths = DemoPhotos;
        string output = folder.File("embeddings.safetensors");
        EmbeddingFile.Write(clip, paths, [], output, normalize, truncate: false);

        using var pixels = clip.Preprocessor.PreprocessBatch(paths);
        using var sequential = clip.EncodePixels(pixels, normalize);
        using var file = SafeTensorsFile.Open(output);
        Assert.True(EvaluationData.Identical(sequential, file.Load("image_embeds")));
    }

    [Fact]
    public void FeatureExtractionForTheEvaluationsIsBitIdenticalToTheSequentialPath()
    {
        using var clip = EvaluationData.LoadVit();
        clip.BatchSize = 7;
        var dataset = DatasetFactory.Open(EvaluationData.Photos);
        using var features = FeatureExtraction.Extract(clip, dataset);

        using var pixels = PixelBatch.Stack([.. Enumerable.Range(0, dataset.Count).Select(i => clip.Preprocessor.Preprocess(dataset.Load(i).Image))],
            clip.Preprocessor.Size);
        using var sequential = clip.EncodePixels(pixels, normalize: false);
        Assert.Equal(dataset.Count, features.Count);
        Assert.True(EvaluationData.Identical(sequential, features.ImageFeatures));
    }

    [Fact]
    public void DecodeWorkersRunBelowTheModelsPriorityUnlessAskedNotTo()
    {
        using var clip = Clip.Load(PhotoLibrary.Model);
        var paths = DemoPhotos.Take(6).ToList();
        List<int> NiceOfDecodingThreads(bool lowPriority)
        {
            var seen = new ConcurrentBag<int>();
            var results = new PipelinedImageEmbedder(clip) { Workers = 2, LowPriorityWorkers = lowPriority }
                .Embed(paths, (path, _) => { seen.Add(ThreadNice()); return ImageDecoder.Decode(path); }).ToList();
            Assert.All(results, r => Assert.NotNull(r.Vector));
            Assert.Equal(paths.Count, seen.Count);
            return [.. seen];
        }
        int own = ThreadNice();

        Assert.All(NiceOfDecodingThreads(lowPriority: true), nice => Assert.Equal(Math.Max(10, own), nice));
        Assert.All(NiceOfDecodingThreads(lowPriority: false), nice => Assert.Equal(own, nice));
    }

    /// <summary>The calling thread's nice value: field 19 of its /proc stat line, counted after the command name's ')'.</summary>
    static int ThreadNice() =>
        int.Parse(File.ReadAllText("/proc/thread-self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16]);

    sealed class Progress(List<(int Done, int Total)> reports) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => reports.Add(value);
    }
}
