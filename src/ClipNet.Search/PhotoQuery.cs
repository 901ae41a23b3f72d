namespace ClipNet.Search;

/// <summary>
/// What to look for. A query is a text, an image (a file, or bytes dropped or pasted in a browser), or both;
/// <see cref="Plus"/> and <see cref="Minus"/> texts are added to and subtracted from its embedding
/// (<c>--image beach.jpg --plus "at night" --minus "daytime"</c>), and the sum is normalised before ranking.
/// </summary>
public sealed record PhotoQuery
{
    public string? Text { get; init; }
    public string? ImagePath { get; init; }
    /// <summary>An encoded image (JPEG, PNG, …) that is not a file, e.g. an upload.</summary>
    public byte[]? ImageBytes { get; init; }
    /// <summary>How error messages name <see cref="ImageBytes"/>.</summary>
    public string ImageBytesName { get; init; } = "uploaded image";
    public IReadOnlyList<string> Plus { get; init; } = [];
    public IReadOnlyList<string> Minus { get; init; } = [];
    public PhotoFilter Filter { get; init; } = PhotoFilter.None;
    /// <summary>How many results at most.</summary>
    public int Top { get; init; } = 20;
    /// <summary>Drop results whose cosine similarity is below this (CLIP text→image cosines are typically 0.2–0.35).</summary>
    public float? MinScore { get; init; }
}

/// <summary>Which photos may be returned. Every condition given must hold.</summary>
public sealed record PhotoFilter
{
    public static readonly PhotoFilter None = new();

    /// <summary>Only photos whose full path starts with this folder (a relative path is taken from the current folder).</summary>
    public string? FolderPrefix { get; init; }
    /// <summary>Captured (EXIF date, else file modification time) at or after this moment.</summary>
    public DateTime? After { get; init; }
    /// <summary>Captured before this moment.</summary>
    public DateTime? Before { get; init; }
    /// <summary>File types by extension without the dot, e.g. "jpg", "png" ("jpeg" and "jpg" are the same type).</summary>
    public IReadOnlyList<string> Types { get; init; } = [];
}

/// <summary>One result: the photo and its cosine similarity to the query.</summary>
public sealed record PhotoHit(long Id, string Path, float Score, DateTime? CapturedAt, long SizeBytes);

/// <summary>
/// A photo as the index holds it. <see cref="Orientation"/> is the EXIF orientation (1 = upright; 2..8 say how
/// to turn the stored pixels for display), so thumbnails can be drawn upright.
/// </summary>
public sealed record PhotoRecord(
    long Id, string Path, string Type, long SizeBytes, DateTime ModifiedUtc, DateTime? CapturedAt,
    int Orientation, int Width, int Height, string ContentHash);

/// <summary>What an index holds and which model made it.</summary>
public sealed record IndexStatus(
    string IndexPath, int PhotoCount, int UnreadableCount, int Dimension, VectorPrecision Precision,
    IndexedModel Model, DateTime? UpdatedUtc);

/// <summary>How vectors are stored: half the size, or exact.</summary>
public enum VectorPrecision { Float16, Float32 }
