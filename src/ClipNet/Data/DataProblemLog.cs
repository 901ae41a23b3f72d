using System.Collections.Concurrent;

namespace ClipNet.Data;

/// <summary>
/// Items skipped and captions truncated while loading, each recorded and announced once per dataset item
/// however many epochs read it, so a bad file costs one warning rather than one per epoch.
/// </summary>
public sealed class DataProblemLog
{
    readonly ConcurrentDictionary<int, SkippedSample> skipped = new();
    readonly ConcurrentDictionary<int, TruncatedCaption> truncated = new();
    readonly Lock warnLock = new();

    /// <summary>Receives one line per new problem; called from loader threads, one call at a time.</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Fail on the first problem instead of skipping the item (`clip train --strict`).</summary>
    public bool Strict { get; init; }

    /// <summary>How many of the items a dataset left out when it opened are listed one by one.</summary>
    public const int ListedWhenOpened = 5;

    /// <summary>
    /// Announces the items <paramref name="dataset"/> left out when it opened (missing files, empty captions,
    /// folders where images should be, odd archive members): their count, by reason, and the first few. With
    /// <see cref="Strict"/> they are an error instead.
    /// </summary>
    public void ReportOpened(IImageTextDataset dataset)
    {
        var left = dataset.SkippedWhenOpened;
        if (left.Count == 0) return;
        string first = string.Join("; ", left.Take(ListedWhenOpened)) + (left.Count > ListedWhenOpened ? $"; and {left.Count - ListedWhenOpened} more" : "");
        if (Strict)
            throw new ClipNetException($"{dataset.Name}: {left.Count} item{(left.Count == 1 ? "" : "s")} cannot be used (--strict): {first}");
        var reasons = left.GroupBy(s => ReasonKind(s.Reason)).Select(g => $"{g.Count()} {g.Key}");
        Announce($"warning: {dataset.Name}: left out {left.Count} of {left.Count + dataset.Count} items ({string.Join(", ", reasons)}): {first}");
    }

    // Reasons carry the path; their kind is what comes before it.
    static string ReasonKind(string reason) => reason.Split(':', 2)[0];

    /// <summary>Skipped items, in dataset order.</summary>
    public IReadOnlyList<SkippedSample> SkippedSamples => [.. skipped.OrderBy(p => p.Key).Select(p => p.Value)];

    /// <summary>Items with a caption too long for the text context, in dataset order.</summary>
    public IReadOnlyList<TruncatedCaption> TruncatedCaptions => [.. truncated.OrderBy(p => p.Key).Select(p => p.Value)];

    public bool IsSkipped(int index) => skipped.ContainsKey(index);

    /// <summary>
    /// Whether an exception from loading one item should skip that item. Anything the item's bytes can
    /// provoke counts, including a decoder's internal error, since one bad file must not end a long run;
    /// cancellation and exhausted memory are not about the item.
    /// </summary>
    internal static bool IsSampleProblem(Exception e) => e is not (OperationCanceledException or OutOfMemoryException);

    /// <summary>How a problem with one item is told to the user: our own messages as they are, anything else with its type.</summary>
    public static string Reason(Exception problem) => problem is ClipNetException ? problem.Message : $"{problem.GetType().Name}: {problem.Message}";

    internal void Skip(int index, string sample, Exception problem) => Skip(index, sample, Reason(problem));

    /// <summary>
    /// Records that item <paramref name="index"/> (<paramref name="sample"/> names it for the user) was left out and why,
    /// announcing it the first time; with <see cref="Strict"/>, throws instead.
    /// </summary>
    public void Skip(int index, string sample, string reason)
    {
        if (Strict) throw new ClipNetException($"{sample}: {reason} (--strict stops at the first unusable item)");
        var skippedSample = new SkippedSample(sample, reason);
        if (skipped.TryAdd(index, skippedSample)) Announce($"warning: skipped {skippedSample}");
    }

    internal void Truncate(int index, TruncatedCaption caption)
    {
        if (truncated.TryAdd(index, caption)) Announce($"warning: {caption}");
    }

    void Announce(string line)
    {
        if (Warn is null) return;
        lock (warnLock) Warn(line);
    }
}

/// <summary>A caption longer than the text context, kept as its first tokens (as <c>clip.tokenize(truncate=True)</c> does).</summary>
public sealed record TruncatedCaption(string Sample, string Caption, int TokenCount, int ContextLength)
{
    public override string ToString() =>
        $"{Sample}: caption has {TokenCount} tokens, more than the context length {ContextLength}; only its start is used";
}
