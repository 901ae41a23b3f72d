using System.Diagnostics;
using System.Globalization;
using ClipNet.Data;
using ClipNet.Embeddings;
using ClipNet.Vision;

namespace ClipNet.Search;

/// <summary>The folders to index. Only jpg, jpeg, png, webp, gif (first frame) and bmp files are read.</summary>
public sealed record IndexUpdateRequest(IReadOnlyList<string> Folders)
{
    /// <summary>Files committed to the index per transaction: a kill loses at most one batch.</summary>
    public int CommitBatchSize { get; init; } = 64;
    /// <summary>
    /// Index only the files of this shard (<see cref="Data.Shard"/>: by a stable hash of each file's path relative to
    /// its folder), so N batch jobs index disjoint parts of the same folders into N indexes.
    /// </summary>
    public Shard Shard { get; init; } = Shard.Whole;
    /// <summary>Threads that decode and preprocess images ahead of the model (see <see cref="ClipNet.Data.PreprocessingPipeline"/>).</summary>
    public int DecodeWorkers { get; init; } = ClipNet.Data.PreprocessingPipeline.DefaultWorkers;

    /// <summary>Throws the error an update would give for a missing folder, without doing anything else.</summary>
    public void CheckFolders() => PhotoFiles.Roots(Folders);
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

/// <summary>
/// One update of an index from its folders. First the cheap work, committed at once: unchanged files are
/// skipped by path, size and mtime; removed files are dropped; a file at a new path whose content hash is
/// that of a removed one is a move and keeps its row, id and embedding; a new copy of indexed content takes
/// that embedding. Then the new and changed files go through the model, committed every
/// <see cref="IndexUpdateRequest.CommitBatchSize"/> files, so a killed update loses at most one batch and a
/// rerun embeds only what was not committed.
/// </summary>
sealed class IndexUpdate(IndexDatabase database, Clip clip, IndexUpdateRequest request)
{
    int added, changed, moved, removed, unchanged, embedded;
    readonly List<UnreadableFile> unreadable = [];

    sealed record Candidate(PhotoFiles.FoundFile File, IndexDatabase.StoredFile? Previous, string? Hash, string? Problem);

    public IndexUpdateResult Run(IProgress<IndexProgress>? progress, CancellationToken cancellation)
    {
        if (request.CommitBatchSize <= 0) throw new ClipNetException($"the commit batch size must be positive, got {request.CommitBatchSize}");
        var clock = Stopwatch.StartNew();
        var roots = PhotoFiles.Roots(request.Folders);
        CheckShard();
        var found = PhotoFiles.Walk(roots, request.Shard);
        var foundPaths = found.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var stored = database.StoredFiles();
        var storedByPath = stored.ToDictionary(s => s.Path, StringComparer.Ordinal);
        var knownUnreadable = database.UnreadableFiles();

        var toCheck = new List<PhotoFiles.FoundFile>();
        foreach (var file in found)
        {
            if (storedByPath.TryGetValue(file.Path, out var s) && s.Size == file.Size && s.MtimeTicks == file.MtimeTicks) unchanged++;
            else if (knownUnreadable.TryGetValue(file.Path, out var u) && u.Size == file.Size && u.MtimeTicks == file.MtimeTicks)
                unreadable.Add(new UnreadableFile(file.Path, u.Problem));
            else toCheck.Add(file);
        }
        // A stored file is gone when the walk of its folder did not find it, or its file no longer exists. Files of
        // other shards are not walked, so under a sharded walk only this shard's files can be gone.
        bool Gone(string path) => !foundPaths.Contains(path)
            && (roots.Any(r => PhotoFiles.IsUnder(path, r)) ? PhotoFiles.InShard(path, roots, request.Shard) : !File.Exists(path));
        var gone = stored.Where(s => Gone(s.Path)).ToList();
        var candidates = toCheck.AsParallel().AsOrdered().WithCancellation(cancellation)
            .Select(f => Hash(f, storedByPath.GetValueOrDefault(f.Path))).ToList();

        var toEmbed = CommitCheapChanges(candidates, gone, stored, knownUnreadable, Gone);
        Embed(toEmbed, progress, cancellation);
        database.SetMeta("updated_utc", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        return new IndexUpdateResult(added, changed, moved, removed, unchanged, unreadable.Count, embedded,
            [.. unreadable.OrderBy(u => u.Path, StringComparer.Ordinal)], clock.Elapsed);
    }

    /// <summary>
    /// An index holds one shard of its folders for good: updating it with another shard (or none) would mix
    /// shards, and its files outside the new shard would never be checked again. An index made without a shard,
    /// or emptied by <c>--rebuild</c>, takes the shard of its first update.
    /// </summary>
    void CheckShard()
    {
        string given = request.Shard.ToString();
        string? recorded = database.GetMeta(ShardKey) ?? (database.Count("photos") + database.Count("unreadable") > 0 ? Shard.Whole.ToString() : null);
        if (recorded is null) database.SetMeta(ShardKey, given);
        else if (recorded != given)
            throw new ClipNetException(recorded == Shard.Whole.ToString()
                ? $"{database.Path}: indexes all the files of its folders, not shard {given}; index the shard into a new file (--index), or use --rebuild"
                : $"{database.Path}: holds shard {recorded} of its folders, not {(request.Shard.IsWhole ? "all of them" : $"shard {given}")}; give --shard {recorded}, index into a new file (--index), or use --rebuild");
    }

    const string ShardKey = "shard";

    static Candidate Hash(PhotoFiles.FoundFile file, IndexDatabase.StoredFile? previous)
    {
        try
        {
            return new Candidate(file, previous, PhotoFiles.ContentHash(file.Path), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Candidate(file, previous, null, $"{file.Path}: cannot read the file ({e.Message})");
        }
    }

    List<Candidate> CommitCheapChanges(List<Candidate> candidates, List<IndexDatabase.StoredFile> gone, List<IndexDatabase.StoredFile> stored,
        Dictionary<string, (long Size, long MtimeTicks, string Problem)> knownUnreadable, Func<string, bool> isGone)
    {
        var goneByHash = gone.GroupBy(g => g.ContentHash).ToDictionary(g => g.Key, g => new Queue<IndexDatabase.StoredFile>(g));
        var goneIds = gone.Select(g => g.Id).ToHashSet();
        var presentByHash = stored.Where(s => !goneIds.Contains(s.Id)).GroupBy(s => s.ContentHash).ToDictionary(g => g.Key, g => g.First().Id);
        var toEmbed = new List<Candidate>();
        using var transaction = database.BeginTransaction();
        foreach (var c in candidates)
        {
            var f = c.File;
            if (c.Hash is null)
            {
                database.RecordUnreadable(f.Path, f.Size, f.MtimeTicks, c.Problem!);
                unreadable.Add(new UnreadableFile(f.Path, c.Problem!));
            }
            else if (c.Previous is { } previous && previous.ContentHash == c.Hash)
            {
                database.Move(previous.Id, f);   // touched, same content: new mtime only
                unchanged++;
            }
            else if (c.Previous is not null) toEmbed.Add(c);
            else if (goneByHash.TryGetValue(c.Hash, out var sources) && sources.TryDequeue(out var source))
            {
                database.Move(source.Id, f);
                goneIds.Remove(source.Id);
                moved++;
            }
            else if (presentByHash.TryGetValue(c.Hash, out long copyOf))
            {
                database.CopyEmbedding(copyOf, f);
                added++;
            }
            else toEmbed.Add(c);
        }
        foreach (var g in gone.Where(g => goneIds.Contains(g.Id)))
        {
            database.Delete(g.Id);
            removed++;
        }
        foreach (string path in knownUnreadable.Keys.Where(isGone)) database.ForgetUnreadable(path);
        transaction.Commit();
        return toEmbed;
    }

    void Embed(List<Candidate> toEmbed, IProgress<IndexProgress>? progress, CancellationToken cancellation)
    {
        // Filled by the decoding threads (each its own slot), read when the embedding of that file arrives.
        var metadata = new (ExifMetadata Exif, int Width, int Height)[toEmbed.Count];
        var embedder = new PipelinedImageEmbedder(clip) { Workers = request.DecodeWorkers };
        var pending = new List<ImageEmbedding>(request.CommitBatchSize);
        var results = embedder.Embed(toEmbed, (c, i) =>
        {
            byte[] bytes = File.ReadAllBytes(c.File.Path);
            var image = PhotoIndex.DecodeUpright(bytes, c.File.Path);
            metadata[i] = (ExifMetadata.Read(bytes), image.Width, image.Height);
            return image;
        }, new Progress(progress), cancellation);
        foreach (var result in results)
        {
            pending.Add(result);
            if (pending.Count == request.CommitBatchSize) Commit(pending, toEmbed, metadata);
        }
        Commit(pending, toEmbed, metadata);
    }

    void Commit(List<ImageEmbedding> pending, List<Candidate> toEmbed, (ExifMetadata Exif, int Width, int Height)[] metadata)
    {
        if (pending.Count == 0) return;
        using (var transaction = database.BeginTransaction())
        {
            foreach (var result in pending)
            {
                var c = toEmbed[result.Index];
                var f = c.File;
                if (result.Vector is null)
                {
                    database.RecordUnreadable(f.Path, f.Size, f.MtimeTicks, result.Problem!);
                    unreadable.Add(new UnreadableFile(f.Path, result.Problem!));
                    continue;
                }
                var (exif, width, height) = metadata[result.Index];
                database.Upsert(new PhotoRecord(0, f.Path, f.Type, f.Size, new DateTime(f.MtimeTicks, DateTimeKind.Utc), exif.CapturedAt,
                    exif.Orientation, width, height, c.Hash!), result.Vector);
                if (c.Previous is null) added++;
                else changed++;
                embedded++;
            }
            transaction.Commit();
        }
        pending.Clear();
    }

    /// <summary>Passes the embedder's (done, total) on as <see cref="IndexProgress"/>.</summary>
    sealed class Progress(IProgress<IndexProgress>? inner) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => inner?.Report(new IndexProgress(value.Done, value.Total));
    }
}
