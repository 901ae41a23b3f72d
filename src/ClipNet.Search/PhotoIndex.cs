using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClipNet.Embeddings;
using ClipNet.Vision;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace ClipNet.Search;

/// <summary>
/// Your photos, searchable with CLIP: one SQLite file that holds, per image file, its path, size, mtime,
/// content hash, EXIF capture date and orientation, and its image embedding.
/// <code>
/// using var clip = Clip.Load("clip-vit-base-patch32");
/// using (var index = PhotoIndex.Create("photos.clipindex", clip))
///     index.Update(new IndexUpdateRequest(["~/Pictures"]));
/// using var search = PhotoIndex.Open("photos.clipindex");
/// search.LoadModel();                                   // the model recorded in the index
/// var hits = search.Search(new PhotoQuery { Text = "a dog on the beach", Top = 10 });
/// </code>
/// Queries may run on several threads at once; <see cref="Update"/> may not overlap other calls.
/// </summary>
public sealed class PhotoIndex : IDisposable
{
    /// <summary>The index's file name in the per-user data folder, see <see cref="DefaultPath"/>.</summary>
    public const string DefaultFileName = "photo-index.sqlite";

    /// <summary>
    /// The index used when none is named: <c>$CLIPNET_INDEX</c> if set, else <c>photo-index.sqlite</c> in
    /// <c>$XDG_DATA_HOME/clipnet</c> (<c>~/.local/share/clipnet</c>), so `clip search` finds what `clip index`
    /// built from whatever folder it is run in.
    /// </summary>
    public static string DefaultPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("CLIPNET_INDEX") is { Length: > 0 } overridden) return overridden;
            string data = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return System.IO.Path.Combine(data, "clipnet", DefaultFileName);
        }
    }

    /// <summary>
    /// Cosine similarity at or above which two photos count as near duplicates: immich's default for CLIP ViT-B/32
    /// (cosine distance ≤ 0.01), which groups resized and re-encoded copies but not burst shots (README: how it was chosen).
    /// </summary>
    public const float DefaultDuplicateThreshold = 0.99f;

    readonly IndexDatabase database;
    readonly Lock sync = new();
    Clip? clip;
    bool ownsClip;
    Loaded? loaded;

    /// <summary>Every photo in id order with its row in the matrix of embeddings.</summary>
    internal sealed record Loaded(List<PhotoRecord> Records, VectorMatrix Vectors, Dictionary<long, int> RowById);

    public string Path => database.Path;

    PhotoIndex(IndexDatabase database, Clip? clip)
    {
        this.database = database;
        this.clip = clip;
    }

    /// <summary>
    /// Opens the index at <paramref name="path"/> for updates with <paramref name="clip"/>, creating it if it
    /// does not exist. An index made by another model is refused unless <paramref name="rebuild"/>, which empties
    /// it first (so does <paramref name="rebuild"/> with the same model). <paramref name="precision"/> applies to a new or rebuilt index.
    /// </summary>
    public static PhotoIndex Create(string path, Clip clip, bool rebuild = false, VectorPrecision precision = VectorPrecision.Float16)
    {
        var model = IndexedModel.Of(clip);
        if (path == DefaultPath) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (!File.Exists(path)) return new PhotoIndex(IndexDatabase.Create(path, model, clip.EmbeddingDimension, precision), clip);
        var database = IndexDatabase.Open(path);
        if (rebuild) database.Reset(model, clip.EmbeddingDimension, precision);
        else if (!database.Model.SameModelAs(model))
        {
            var recorded = database.Model;
            database.Dispose();
            throw ModelMismatch(path, recorded, model);
        }
        return new PhotoIndex(database, clip);
    }

    /// <summary>
    /// Opens an existing index for queries. Text and image queries need a model: call <see cref="LoadModel"/>
    /// or <see cref="UseModel"/>; <see cref="Similar"/>, <see cref="Get"/>, <see cref="Duplicates"/> and
    /// <see cref="Status"/> do not.
    /// </summary>
    public static PhotoIndex Open(string path) => new(IndexDatabase.Open(path), null);

    /// <summary>Loads the model recorded in the index (from its recorded source) and checks it is the same model.</summary>
    public void LoadModel()
    {
        string source = database.Model.Source;
        if (!File.Exists(source) && !Directory.Exists(source))
            throw new ClipNetException($"{Path}: the model it was built with, {source}, is not there any more; give the same model with --model");
        var model = Clip.Load(source);
        try
        {
            UseModel(model);
            ownsClip = true;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Uses an already loaded model for queries; refused when it is not the model the index was built with.</summary>
    public void UseModel(Clip model)
    {
        var identity = IndexedModel.Of(model);
        if (!database.Model.SameModelAs(identity)) throw ModelMismatch(Path, database.Model, identity);
        lock (sync) clip = model;
    }

    /// <summary>True once a model is attached (queries by text or image can run).</summary>
    public bool HasModel => clip is not null;

    static ClipNetException ModelMismatch(string path, IndexedModel recorded, IndexedModel given) =>
        new($"{path}: built with the model {recorded.Source}, not {given.Source} ({recorded.DifferenceFrom(given)}); use --rebuild to re-embed every photo with the new model");

    Clip RequireModel() => clip ?? throw new ClipNetException($"{Path}: a text or image query needs the model (call LoadModel or UseModel)");

    /// <summary>Walks the folders and brings the index up to date with them; see <see cref="IndexUpdateResult"/>.</summary>
    public IndexUpdateResult Update(IndexUpdateRequest request, IProgress<IndexProgress>? progress = null, CancellationToken cancellation = default)
    {
        var result = Guarded(() => new IndexUpdate(database, RequireModel(), request).Run(progress, cancellation));
        lock (sync)
        {
            loaded = null;
            // Files under folders indexed earlier stay in the index, so their folders stay on the list too.
            var folders = Folders().Union(PhotoFiles.Roots(request.Folders), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            database.SetMeta(FoldersKey, JsonSerializer.Serialize(folders));
        }
        return result;
    }

    /// <summary>The best matches for a text, image or combined query, best first; ties in score by lower id first.</summary>
    public IReadOnlyList<PhotoHit> Search(PhotoQuery query)
    {
        if (query.Text is null && query.ImagePath is null && query.ImageBytes is null)
            throw new ClipNetException("a search needs a text or an image");
        if (query.ImagePath is not null && query.ImageBytes is not null)
            throw new ClipNetException("a search takes one image: a file or uploaded bytes, not both");
        var state = Load();
        return Rank(state, QueryVector(query), query.Top, query.Filter, query.MinScore, excludeRow: -1);
    }

    /// <summary>Photos most like the indexed photo <paramref name="id"/> (itself excluded), best first.</summary>
    public IReadOnlyList<PhotoHit> Similar(long id, int top = 20, PhotoFilter? filter = null, float? minScore = null)
    {
        var state = Load();
        if (!state.RowById.TryGetValue(id, out int row)) throw new ClipNetException($"{Path}: no photo with id {id}");
        return Rank(state, state.Vectors.Row(row), top, filter ?? PhotoFilter.None, minScore, excludeRow: row);
    }

    /// <summary>
    /// The folders the index was built from, as absolute paths. Callers that open indexed files on behalf of others
    /// (the web server) keep to them, so a photo later swapped for a link out of these folders is not served.
    /// </summary>
    public IReadOnlyList<string> Folders()
    {
        lock (sync)
            return database.GetMeta(FoldersKey) is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];
    }

    const string FoldersKey = "folders";

    /// <summary>The photo with this id, or null.</summary>
    public PhotoRecord? Get(long id)
    {
        lock (sync) return Guarded(() => database.Get(id));
    }

    /// <summary>Exact duplicates by content hash and near duplicates by cosine ≥ <paramref name="threshold"/>. Never deletes anything.</summary>
    public DuplicateReport Duplicates(float threshold = DefaultDuplicateThreshold)
    {
        var state = Load();
        return DuplicateFinder.Find(state.Records, state.Vectors, threshold);
    }

    public IndexStatus Status()
    {
        lock (sync)
        {
            string? updated = Guarded(() => database.GetMeta("updated_utc"));
            return new IndexStatus(Path, Guarded(() => database.Count("photos")), Guarded(() => database.Count("unreadable")), database.Dimension,
                database.Precision, database.Model,
                updated is null ? null : DateTime.Parse(updated, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
    }

    /// <summary>The files the index could not read, with why.</summary>
    public IReadOnlyList<UnreadableFile> UnreadableFiles()
    {
        lock (sync) return Guarded(database.UnreadableList);
    }

    Loaded Load() => TryLoad() ?? throw new ClipNetException($"{Path}: the index is empty (add photos with `clip index FOLDER --model M`)");

    /// <summary>The photos and the matrix of their embeddings, read once and kept until a write; null when there are none.</summary>
    internal Loaded? TryLoad()
    {
        lock (sync)
        {
            if (loaded is not null) return loaded;
            var (records, vectors) = Guarded(database.ReadAll);
            if (records.Count == 0) return null;
            loaded = new Loaded(records, vectors, records.Select((r, row) => (r.Id, row)).ToDictionary(p => p.Id, p => p.row));
            return loaded;
        }
    }

    /// <summary>SQLite's own errors on reading or writing a damaged file, as one message naming the index.</summary>
    T Guarded<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (SqliteException e)
        {
            throw database.Damaged(e);
        }
    }

    /// <summary>Runs writes in one transaction and drops the loaded matrix, for <see cref="PhotoVectorCollection"/>.</summary>
    internal void Write(Action<IndexDatabase> write)
    {
        lock (sync)
        {
            Guarded(() =>
            {
                using var transaction = database.BeginTransaction();
                write(database);
                transaction.Commit();
                return true;
            });
            loaded = null;
        }
    }

    /// <summary>The unit embedding of a text query.</summary>
    internal float[] TextVector(string text) => QueryVector(new PhotoQuery { Text = text });

    List<PhotoHit> Rank(Loaded state, float[] query, int top, PhotoFilter filter, float? minScore, int excludeRow)
    {
        if (top <= 0) throw new ClipNetException($"the number of results must be positive, got {top}");
        var admits = FilterPredicate(filter, state.Records);
        var scores = state.Vectors.Scores(query);
        var best = VectorMatrix.TopK(scores, top, row => row != excludeRow && admits(row), minScore ?? float.NegativeInfinity);
        return [.. best.Select(b =>
        {
            var r = state.Records[b.Row];
            return new PhotoHit(r.Id, r.Path, b.Score, r.CapturedAt, r.SizeBytes);
        })];
    }

    static Func<int, bool> FilterPredicate(PhotoFilter filter, List<PhotoRecord> records)
    {
        string? folder = filter.FolderPrefix is null ? null : System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(filter.FolderPrefix));
        var types = filter.Types.Select(t => PhotoFiles.TypeOf("." + t.TrimStart('.'))
            ?? throw new ClipNetException($"unknown file type '{t}' (jpg, jpeg, png, webp, gif, bmp)")).ToHashSet();
        return row =>
        {
            var r = records[row];
            if (folder is not null && !PhotoFiles.IsUnder(r.Path, folder)) return false;
            if (types.Count > 0 && !types.Contains(r.Type)) return false;
            if (filter.After is null && filter.Before is null) return true;
            var taken = r.CapturedAt ?? r.ModifiedUtc.ToLocalTime();
            return (filter.After is not { } after || taken >= after) && (filter.Before is not { } before || taken < before);
        };
    }

    /// <summary>The normalised sum of the query's parts: text, image, plus texts, minus texts (negated).</summary>
    float[] QueryVector(PhotoQuery query)
    {
        var model = RequireModel();
        var parts = new List<float[]>();
        var texts = new List<string>();
        if (query.Text is not null) texts.Add(query.Text);
        texts.AddRange(query.Plus);
        texts.AddRange(query.Minus);
        lock (sync)
        {
            if (texts.Count > 0)
            {
                using var generator = new ClipTextEmbeddingGenerator(model);
                var embeddings = generator.GenerateAsync(texts).GetAwaiter().GetResult();
                for (int i = 0; i < texts.Count; i++)
                {
                    var vector = embeddings[i].Vector.ToArray();
                    if (i >= texts.Count - query.Minus.Count) System.Numerics.Tensors.TensorPrimitives.Negate(vector, vector);
                    parts.Add(vector);
                }
            }
            if (query.ImagePath is not null || query.ImageBytes is not null)
            {
                string name = query.ImagePath ?? query.ImageBytesName;
                byte[] bytes = query.ImageBytes ?? ReadQueryImage(query.ImagePath!);
                var embedded = new PipelinedImageEmbedder(model) { Workers = 1 }
                    .Embed([bytes], (b, _) => DecodeUpright(b, name)).Single();
                parts.Add(embedded.Vector ?? throw new ClipNetException(embedded.Problem!));
            }
        }
        var sum = new float[parts[0].Length];
        foreach (var part in parts) System.Numerics.Tensors.TensorPrimitives.Add(sum, part, sum);
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(sum);
        if (norm < 1e-6f) throw new ClipNetException("the query's parts cancel out: nothing is left to search for");
        System.Numerics.Tensors.TensorPrimitives.Divide(sum, norm, sum);
        return sum;
    }

    static byte[] ReadQueryImage(string path)
    {
        if (Directory.Exists(path)) throw new ClipNetException($"{path}: is a folder, not an image file");
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        return File.ReadAllBytes(path);
    }

    /// <summary>
    /// How the index decodes every photo: as a viewer shows it, turned by its EXIF orientation. Only for the embedding
    /// pipeline's decode, which preprocesses each photo before its thread decodes the next: the pixels are in the
    /// thread's reused buffer.
    /// </summary>
    internal static DecodedImage DecodeUpright(byte[] encoded, string name) =>
        ImageDecoder.Decode(encoded, name, applyExifOrientation: true, reuseThreadBuffer: true);

    public void Dispose()
    {
        database.Dispose();
        if (ownsClip) clip?.Dispose();
    }
}
