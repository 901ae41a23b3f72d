namespace ClipNet.Training;

/// <summary>
/// A built-in, download-free captioned image dataset for training a small CLIP from scratch and testing
/// whether it composes: training scenes never show the colour–shape pairs in
/// <see cref="SceneVocabulary.HeldOutPairs"/>, and the held-out evaluation set shows only those.
/// Every sample is a pure function of (seed, index), so data loaders may call this from several threads.
/// </summary>
public sealed class SyntheticScenes
{
    public SyntheticScenes(SyntheticSceneOptions? options = null)
    {
        Options = options ?? new SyntheticSceneOptions();
        Options.Validate();
    }

    public SyntheticSceneOptions Options { get; }

    /// <summary>Training sample number <paramref name="index"/>: one or two shapes, none of a held-out pair.</summary>
    public SceneSample TrainingSample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = SampleRandom.For(Options.Seed, SampleStream.Training, index);
        var first = RandomTrainingObject(random);
        var scene = random.NextDouble() < Options.TwoShapeFraction
            ? new SceneDescription(first, RandomTrainingObject(random, unlike: first), RandomRelation(random))
            : new SceneDescription(first);
        return Render(scene, random);
    }

    /// <summary>Single-shape images of the held-out pairs, cycling through them so classes are balanced.</summary>
    public ZeroShotEvaluationSet HeldOutEvaluationSet(int count) =>
        EvaluationSet(SceneVocabulary.HeldOutPairs, SampleStream.HeldOutEvaluation, count);

    /// <summary>Single-shape images of pairs seen in training (new images, not training samples), for comparison.</summary>
    public ZeroShotEvaluationSet SeenEvaluationSet(int count) =>
        EvaluationSet(SceneVocabulary.TrainingPairs, SampleStream.SeenEvaluation, count);

    ZeroShotEvaluationSet EvaluationSet(IReadOnlyList<(string Color, string Shape)> pairs, SampleStream stream, int count)
    {
        if (count <= 0)
            throw new ClipNetException($"A synthetic evaluation set needs at least one image; {count} were asked for.");
        var samples = new SceneSample[count];
        var labels = new int[count];
        for (var index = 0; index < count; index++)
        {
            var random = SampleRandom.For(Options.Seed, stream, index);
            var (color, shape) = pairs[index % pairs.Count];
            samples[index] = Render(new SceneDescription(new SceneObject(color, shape, RandomSize(random))), random);
            labels[index] = SceneVocabulary.ClassIndex(color, shape);
        }
        return new ZeroShotEvaluationSet(samples, labels, SceneVocabulary.ZeroShotClasses, SceneVocabulary.Templates);
    }

    SceneSample Render(SceneDescription scene, Random random)
    {
        var caption = SceneCaption.Write(scene, random);
        var layout = SceneLayout.Place(scene, random);
        var rgb = SceneRenderer.Draw(layout, Options.ImageSize, Options.NoiseAmplitude, random);
        return new SceneSample(rgb, Options.ImageSize, caption, scene, layout);
    }

    // A second shape always differs from the first in colour or shape, so the caption names two things.
    static SceneObject RandomTrainingObject(Random random, SceneObject? unlike = null)
    {
        var pairs = SceneVocabulary.TrainingPairs;
        var (color, shape) = pairs[random.Next(pairs.Count)];
        while (unlike is not null && color == unlike.Color && shape == unlike.Shape)
            (color, shape) = pairs[random.Next(pairs.Count)];
        return new SceneObject(color, shape, RandomSize(random));
    }

    static string RandomSize(Random random) => SceneVocabulary.Sizes[random.Next(SceneVocabulary.Sizes.Count)];

    static string RandomRelation(Random random) => SceneVocabulary.Relations[random.Next(SceneVocabulary.Relations.Count)];
}
