namespace ClipNet.Search;

/// <summary>
/// A set of photos that are the same picture: byte-identical files (<see cref="DuplicateKind.Exact"/>), or
/// files whose embeddings are at least the threshold apart in cosine similarity (<see cref="DuplicateKind.Near"/>,
/// e.g. a resized or re-encoded copy, or a burst of almost the same shot).
/// </summary>
public sealed record DuplicateGroup(DuplicateKind Kind, IReadOnlyList<PhotoRecord> Photos, float MinSimilarity);

public enum DuplicateKind { Exact, Near }

/// <summary>All duplicate groups at a threshold.</summary>
public sealed record DuplicateReport(float Threshold, IReadOnlyList<DuplicateGroup> Groups);
