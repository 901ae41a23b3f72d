namespace ClipNet.Training;

/// <summary>
/// Single-shape images with the index of their true class in <see cref="ClassNames"/> (every colour–shape
/// pair, "red circle"), and the prompt <see cref="Templates"/> ("a photo of a {}") to build class texts from.
/// Guessing scores <see cref="ChanceAccuracy"/>, since the model chooses among all pairs, not only the
/// ones in this set.
/// </summary>
public sealed record ZeroShotEvaluationSet(
    IReadOnlyList<SceneSample> Samples,
    IReadOnlyList<int> Labels,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<string> Templates)
{
    public double ChanceAccuracy => 1.0 / ClassNames.Count;

    /// <summary>The prompts of one class, one per template: "a red circle", "a photo of a red circle", ….</summary>
    public IReadOnlyList<string> Prompts(string className) => [.. Templates.Select(t => t.Replace("{}", className))];
}
