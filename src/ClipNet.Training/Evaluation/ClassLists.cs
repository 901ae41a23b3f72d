namespace ClipNet.Evaluation;

/// <summary>
/// Lines up two lists of class names that must describe the same classes (a dataset's labels and a prompts
/// file's classes, or a train and a test set), matching names case-insensitively so that "American robin"
/// finds "american robin". The order may differ; the names may not.
/// </summary>
public static class ClassLists
{
    /// <summary>
    /// For each class of <paramref name="target"/>, the index of the same class in <paramref name="source"/>.
    /// Throws, naming the classes only one side has, when the two lists are not the same classes.
    /// </summary>
    public static int[] Align(IReadOnlyList<string> target, string targetWhat, IReadOnlyList<string> source, string sourceWhat)
    {
        var comparer = StringComparer.OrdinalIgnoreCase;
        RequireDistinct(target, targetWhat);
        RequireDistinct(source, sourceWhat);
        var sourceIndex = new Dictionary<string, int>(comparer);
        for (int i = 0; i < source.Count; i++) sourceIndex.TryAdd(source[i], i);
        var onlyTarget = target.Where(name => !sourceIndex.ContainsKey(name)).ToList();
        var onlySource = source.Except(target, comparer).ToList();
        if (onlyTarget.Count > 0 || onlySource.Count > 0)
        {
            string Names(List<string> names) => names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"'{n}'"));
            throw new ClipNetException(
                $"the classes of {targetWhat} ({target.Count}) and of {sourceWhat} ({source.Count}) differ: " +
                $"only in {targetWhat}: {Names(onlyTarget)}; only in {sourceWhat}: {Names(onlySource)}");
        }
        return [.. target.Select(name => sourceIndex[name])];
    }

    static void RequireDistinct(IReadOnlyList<string> names, string what)
    {
        var repeated = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ClipNetException($"{what} names the class '{repeated.Key}' more than once");
    }
}
