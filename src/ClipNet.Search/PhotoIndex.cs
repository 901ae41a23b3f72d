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
    /// <summary>The file name used when none is given: <c>.clipnet-index.sqlite</c> in the current folder.</summary>
    public const string DefaultFileName = ".clipnet-index.sqlite";

    public string Path { get; }

    PhotoIndex(string path) => Path = path;

    /// <summary>
    /// Opens the index at <paramref name="path"/> for updates with <paramref name="clip"/>, creating it if it
    /// does not exist. An index made by another model is refused unless <paramref name="rebuild"/>, which empties it.
    /// </summary>
    public static PhotoIndex Create(string path, Clip clip, bool rebuild = false, VectorPrecision precision = VectorPrecision.Float16) =>
        throw new NotImplementedException();

    /// <summary>
    /// Opens an existing index for queries. Text and image queries need a model: call <see cref="LoadModel"/>
    /// or <see cref="UseModel"/>; <see cref="Similar"/>, <see cref="Get"/>, <see cref="Duplicates"/> and
    /// <see cref="Status"/> do not.
    /// </summary>
    public static PhotoIndex Open(string path) => throw new NotImplementedException();

    /// <summary>Loads the model recorded in the index (from its recorded source) and checks it is the same model.</summary>
    public void LoadModel() => throw new NotImplementedException();

    /// <summary>Uses an already loaded model for queries; refused when it is not the model the index was built with.</summary>
    public void UseModel(Clip clip) => throw new NotImplementedException();

    /// <summary>True once a model is attached (queries by text or image can run).</summary>
    public bool HasModel => throw new NotImplementedException();

    /// <summary>Walks the folders and brings the index up to date with them; see <see cref="IndexUpdateResult"/>.</summary>
    public IndexUpdateResult Update(IndexUpdateRequest request, IProgress<IndexProgress>? progress = null, CancellationToken cancellation = default) =>
        throw new NotImplementedException();

    /// <summary>The best matches for a text, image or combined query, best first; ties in score by lower id first.</summary>
    public IReadOnlyList<PhotoHit> Search(PhotoQuery query) => throw new NotImplementedException();

    /// <summary>Photos most like the indexed photo <paramref name="id"/> (itself excluded), best first.</summary>
    public IReadOnlyList<PhotoHit> Similar(long id, int top = 20, PhotoFilter? filter = null, float? minScore = null) =>
        throw new NotImplementedException();

    /// <summary>
    /// The folders the index was built from, as absolute paths. Callers that open indexed files on behalf of others
    /// (the web server) keep to them, so a photo later swapped for a link out of these folders is not served.
    /// </summary>
    public IReadOnlyList<string> Folders() => throw new NotImplementedException();

    /// <summary>The photo with this id, or null.</summary>
    public PhotoRecord? Get(long id) => throw new NotImplementedException();

    /// <summary>Exact duplicates by content hash and near duplicates by cosine ≥ <paramref name="threshold"/>. Never deletes anything.</summary>
    public DuplicateReport Duplicates(float threshold = DefaultDuplicateThreshold) => throw new NotImplementedException();

    /// <summary>Cosine similarity at or above which two photos count as near duplicates (README: how it was chosen).</summary>
    public const float DefaultDuplicateThreshold = 0.95f;

    public IndexStatus Status() => throw new NotImplementedException();

    public void Dispose() { }
}
