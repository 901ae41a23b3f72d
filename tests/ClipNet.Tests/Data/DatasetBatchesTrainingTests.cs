using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Training;
using ClipNet.Data;
using Xunit;

using ClipNet.Tests.Training;

namespace ClipNet.Tests.Data;

public sealed class DatasetBatchesTrainingTests : IDisposable
{
    readonly string runs = Directory.CreateTempSubdirectory("clipnet-data-training-").FullName;

    public void Dispose() => Directory.Delete(runs, recursive: true);

    // The tiny vision tower with a text tower that takes real CLIP token ids.
    static ClipConfig Config => TinyModels.VitConfig with
    {
        Text = new TextConfig { Width = 32, Heads = 2, Layers = 1 },
    };

    static DatasetBatches PhotosDemo(int workers) =>
        new(DatasetFactory.Open(SharedFixtures.DataPath("photos-demo")), ClipTokenizer.Default, new RandomResizedCropTransform(16), batchSize: 4, seed: 7)
        {
            Workers = workers,
        };

    [Fact]
    public void PausedAndResumedRunOnADatasetGivesBitIdenticalWeights()
    {
        var options = new TrainingOptions { Epochs = 2, BatchSize = 4, LearningRate = 1e-3, WarmupSteps = 1, Seed = 7 };

        var straight = TinyModels.Create(4, Config);
        new Trainer(straight, options, PhotosDemo(workers: 2), Path.Combine(runs, "straight")).Run();

        // Pausing mid-epoch abandons the loader's prefetched batches; the resumed run uses other workers.
        new Trainer(TinyModels.Create(4, Config), options with { StopAfterSteps = 3 }, PhotosDemo(workers: 2), Path.Combine(runs, "paused")).Run();
        var resumed = TinyModels.Create(99, Config);
        var result = new Trainer(resumed, options, PhotosDemo(workers: 1), Path.Combine(runs, "paused")).Run(resume: true);

        Assert.Equal(5, result.StepsTaken);
        var expected = straight.state_dict();
        foreach (var (name, tensor) in resumed.state_dict())
            Assert.True((tensor == expected[name]).all().item<bool>(), $"{name} differs after resume");
    }
}
