namespace ClipNet.Evaluation;

/// <summary>
/// Holds out a seeded, class-stratified fraction of labelled rows for validation (choosing the linear probe's
/// C), so every class keeps the same share on both sides and a small class is never left out of training.
/// </summary>
public static class ValidationSplit
{
    /// <summary>Row indices of each side, ascending; the same seed and labels always give the same split.</summary>
    public static (int[] Train, int[] Validation) Stratified(IReadOnlyList<long> labels, double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ClipNetException($"the validation fraction must be between 0 and 1 (exclusive), got {validationFraction}");
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var rows in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            // At least one training row per class, since the probe cannot learn a class it never sees.
            int held = Math.Min((int)Math.Round(validationFraction * shuffled.Length, MidpointRounding.AwayFromZero), shuffled.Length - 1);
            validation.AddRange(shuffled[..held]);
            train.AddRange(shuffled[held..]);
        }
        if (validation.Count == 0)
            throw new ClipNetException($"a validation fraction of {validationFraction} of {labels.Count} rows holds out no row; use more rows or a larger fraction");
        return ([.. train.Order()], [.. validation.Order()]);
    }
}
