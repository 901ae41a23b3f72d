
using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

/// <summary>Samples shared by several test classes, generated once per test run.</summary>
static class GeneratedScenes
{
    public const int TrainingCount = 2000;

    public static readonly SyntheticScenes Default = new();

    // Generated in parallel on purpose: data loaders will call the generator from several threads.
    static readonly Lazy<SceneSample[]> training = new(() =>
    {
        var samples = new SceneSample[TrainingCount];
        Parallel.For(0, TrainingCount, index => samples[index] = Default.TrainingSample(index));
        return samples;
    });

    public static IReadOnlyList<SceneSample> Training => training.Value;
}
