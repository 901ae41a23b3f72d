using ClipNet.Data;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Data;

public sealed class EvaluationLoaderTests : IDisposable
{
    readonly DataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void ChunksHoldTheReferenceEvalTensorsInDatasetOrderWithoutUnreadableItems()
    {
        string[] names = ["rgb_640x480.jpg", "gray_L_320x240.png", "palette_P_256x192.png", "rgba_300x200.png"];
        string corrupt = folder.WriteBytes("corrupt.png", [1, 2, 3, 4]);
        var rows = names.Select(n => $"{SharedFixtures.Fixture("preprocess", "images", n)}\tthe {n} image").ToList();
        rows.Insert(1, $"{corrupt}\tbroken");
        string manifest = folder.WriteText("eval.tsv", "image\tcaption\n" + string.Join("\n", rows) + "\n");
        var dataset = DatasetFactory.Open(manifest);
        var progress = new List<(int, int)>();
        var loader = new EvaluationLoader(dataset, new ImagePreprocessor(224)) { Workers = 2 };

        var chunks = loader.Chunks(chunkSize: 2, new SynchronousProgress(progress.Add)).ToList();

        Assert.Equal([[0], [2, 3], [4]], chunks.Select(c => c.Indices));
        Assert.Equal([(2, 5), (4, 5), (5, 5)], progress);
        var expected = FixtureTensors.ReadAll(SharedFixtures.Fixture("preprocess", "expected.safetensors"));
        var pixels = chunks.SelectMany(c => Enumerable.Range(0, c.Count).Select(r => c.Pixels[r].data<float>().ToArray())).ToList();
        for (int i = 0; i < names.Length; i++)
            Assert.Equal(expected[names[i]].data<float>().ToArray(), pixels[i]);
        Assert.Equal([$"the {names[2]} image"], chunks[1].Captions[1]);
        Assert.All(chunks, c => Assert.All(c.Labels, l => Assert.Equal(ImageTextSample.NoLabel, l)));
        var skipped = Assert.Single(loader.Problems.SkippedSamples);
        Assert.Equal($"{manifest} line 3 ({corrupt})", skipped.Sample);
    }

    [Fact]
    public void CifarLabelsAndPixelsComeThroughInOrder()
    {
        var dataset = DatasetFactory.Open(SharedFixtures.DataPath("cifar10-dev"));
        var preprocessor = new ImagePreprocessor(32);
        var progress = new List<(int Done, int Total)>();

        var chunks = new EvaluationLoader(dataset, preprocessor).Chunks(300, new SynchronousProgress(progress.Add)).ToList();

        Assert.Equal([300, 300, 300, 100], chunks.Select(c => c.Count));
        Assert.Equal((1000, 1000), progress[^1]);
        var labels = chunks.SelectMany(c => c.Labels).ToArray();
        Assert.Equal(Enumerable.Range(0, 1000).Select(k => k % 10), labels);
        Assert.Equal(preprocessor.Preprocess(dataset.Load(617).Image), chunks[2].Pixels[17].data<float>().ToArray());
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so the list is complete when the loop ends.</summary>
    sealed class SynchronousProgress(Action<(int, int)> report) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => report(value);
    }
}
