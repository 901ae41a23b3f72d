using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace ClipNet.Search;

/// <summary>A photo as a <c>Microsoft.Extensions.VectorData</c> record: key, data fields and the CLIP image embedding.</summary>
public sealed class PhotoVectorRecord
{
    /// <summary>The index's photo id; 0 on a new record asks the store for one (set by <c>UpsertAsync</c>).</summary>
    public long Id { get; set; }
    public string Path { get; set; } = "";
    public DateTime? CapturedAt { get; set; }
    /// <summary>The unit-length embedding; empty when a read did not ask for vectors.</summary>
    public ReadOnlyMemory<float> Embedding { get; set; }
}

/// <summary>
/// The photo index as a <see cref="VectorStoreCollection{TKey,TRecord}"/>, so code written against the
/// standard .NET vector-store abstraction (Semantic Kernel, Microsoft.Extensions.AI apps) reads, writes and
/// searches ClipNet's SQLite index, and can later swap in a server-backed store (Qdrant, Postgres with
/// pgvector) without changes. Searches are exact cosine similarity (higher is closer); a search by
/// <see cref="string"/> embeds the text with the index's model, which must be attached.
/// </summary>
public sealed class PhotoVectorCollection(PhotoIndex index) : VectorStoreCollection<long, PhotoVectorRecord>
{
    public override string Name => "photos";

    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(index.Path));

    /// <summary>The index exists once opened; creating one needs a model (<see cref="PhotoIndex.Create"/>).</summary>
    public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Removes every photo from the index (the file and its model record stay).</summary>
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        index.Write(database => database.DeleteAllPhotos());
        return Task.CompletedTask;
    }

    public override Task<PhotoVectorRecord?> GetAsync(long key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        var state = index.TryLoad();
        return Task.FromResult(state is not null && state.RowById.TryGetValue(key, out int row) ? Record(state, row, options?.IncludeVectors ?? false) : null);
    }

    public override async IAsyncEnumerable<PhotoVectorRecord> GetAsync(IEnumerable<long> keys, RecordRetrievalOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (long key in keys)
            if (await GetAsync(key, options, cancellationToken) is { } record) yield return record;
    }

    public override async IAsyncEnumerable<PhotoVectorRecord> GetAsync(Expression<Func<PhotoVectorRecord, bool>> filter, int top,
        FilteredRecordRetrievalOptions<PhotoVectorRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (options?.OrderBy is not null) throw new NotSupportedException("ordering the results of a filtered read is not supported");
        var state = index.TryLoad();
        if (state is null) yield break;
        var admits = filter.Compile();
        bool vectors = options?.IncludeVectors ?? false;
        var matches = Enumerable.Range(0, state.Records.Count).Select(row => Record(state, row, vectors)).Where(admits).Skip(options?.Skip ?? 0).Take(top);
        foreach (var record in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
        await Task.CompletedTask;
    }

    public override Task DeleteAsync(long key, CancellationToken cancellationToken = default)
    {
        index.Write(database => database.Delete(key));
        return Task.CompletedTask;
    }

    public override Task DeleteAsync(IEnumerable<long> keys, CancellationToken cancellationToken = default)
    {
        index.Write(database => { foreach (long key in keys) database.Delete(key); });
        return Task.CompletedTask;
    }

    public override Task UpsertAsync(PhotoVectorRecord record, CancellationToken cancellationToken = default) => UpsertAsync([record], cancellationToken);

    /// <summary>
    /// Writes records by id (0: a new photo, whose id is set on the record). Size, mtime and content hash come
    /// from the file when it exists, so a later `clip index` treats it as already indexed.
    /// </summary>
    public override Task UpsertAsync(IEnumerable<PhotoVectorRecord> records, CancellationToken cancellationToken = default)
    {
        index.Write(database =>
        {
            foreach (var record in records) record.Id = database.UpsertExternal(record.Id, record.Path, record.CapturedAt, record.Embedding.Span);
        });
        return Task.CompletedTask;
    }

    /// <summary>
    /// Exact cosine search. <typeparamref name="TInput"/> is a vector (<see cref="ReadOnlyMemory{T}"/> of float,
    /// float[], <see cref="Embedding{T}"/>) or a text (<see cref="string"/>, embedded with the index's model).
    /// </summary>
    public override async IAsyncEnumerable<VectorSearchResult<PhotoVectorRecord>> SearchAsync<TInput>(TInput searchValue, int top,
        VectorSearchOptions<PhotoVectorRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        float[] query = searchValue switch
        {
            ReadOnlyMemory<float> memory => memory.ToArray(),
            float[] array => array,
            Embedding<float> embedding => embedding.Vector.ToArray(),
            string text => index.TextVector(text),
            _ => throw new NotSupportedException($"search by {typeof(TInput).Name} is not supported: give a float vector or a text"),
        };
        var state = index.TryLoad();
        if (state is null) yield break;
        int skip = options?.Skip ?? 0;
        bool vectors = options?.IncludeVectors ?? false;
        var admits = options?.Filter?.Compile();
        var scores = state.Vectors.Scores(query);
        var best = VectorMatrix.TopK(scores, top + skip, admits is null ? null : row => admits(Record(state, row, includeVector: false)));
        foreach (var (row, score) in best.Skip(skip))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new VectorSearchResult<PhotoVectorRecord>(Record(state, row, vectors), score);
        }
        await Task.CompletedTask;
    }

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : serviceKey is null && serviceType == typeof(PhotoIndex) ? index : null;

    static PhotoVectorRecord Record(PhotoIndex.Loaded state, int row, bool includeVector)
    {
        var photo = state.Records[row];
        return new PhotoVectorRecord
        {
            Id = photo.Id, Path = photo.Path, CapturedAt = photo.CapturedAt,
            Embedding = includeVector ? state.Vectors.Row(row) : ReadOnlyMemory<float>.Empty,
        };
    }
}
