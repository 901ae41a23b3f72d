namespace ClipNet.Search;

/// <summary>The folders to index. Only jpg, jpeg, png, webp, gif (first frame) and bmp files are read.</summary>
public sealed record IndexUpdateRequest(IReadOnlyList<string> Folders)
{
    /// <summary>Files committed to the index per transaction: a kill loses at most one batch.</summary>
    public int CommitBatchSize { get; init; } = 64;
    /// <summary>Threads that decode and preprocess images ahead of the model.</summary>
    public int DecodeWorkers { get; init; } = Math.Max(1, Environment.ProcessorCount - 1);
}

/// <summary>
/// What an update did. <see cref="Embedded"/> counts the images that went through the model (new and changed
/// files); a moved or renamed file keeps its embedding by its content hash and is not embedded again.
/// </summary>
public sealed record IndexUpdateResult(
    int New, int Changed, int Moved, int Removed, int Unchanged, int Unreadable, int Embedded,
    IReadOnlyList<UnreadableFile> UnreadableFiles, TimeSpan Elapsed);

/// <summary>A file that could not be decoded, with why; it is not retried until its size or mtime changes.</summary>
public sealed record UnreadableFile(string Path, string Problem);

/// <summary>Progress of the embedding phase: files done out of the files that need embedding.</summary>
public readonly record struct IndexProgress(int Done, int Total);
