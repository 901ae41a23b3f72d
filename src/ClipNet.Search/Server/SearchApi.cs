using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace ClipNet.Search.Server;

/// <summary>One result as the page shows it.</summary>
public sealed record SearchHit(long Id, string Path, string Name, float Score, long Bytes, DateTime? CapturedAt);

/// <summary>Results of a search, best first, and how long the search took on the server.</summary>
public sealed record SearchResponse(IReadOnlyList<SearchHit> Results, double Milliseconds);

/// <summary>"loading", "ready" or "failed" (with <see cref="Message"/>), and what is being served.</summary>
public sealed record ServerStatus(string State, string? Message, int Photos, string Model, string Index);

public sealed record DuplicatePhoto(long Id, string Path, string Name, long Bytes, int Width, int Height);

/// <summary>A duplicate group: "exact" (same bytes) or "near" (cosine ≥ the threshold; <see cref="Similarity"/> is the group's lowest).</summary>
public sealed record DuplicateGroupView(string Kind, float Similarity, IReadOnlyList<DuplicatePhoto> Photos);

public sealed record DuplicatesResponse(float Threshold, IReadOnlyList<DuplicateGroupView> Groups);

/// <summary>The body of every 4xx/5xx answer: one sentence for the user.</summary>
public sealed record ApiError(string Error);

/// <summary>
/// The JSON API and the page, mapped onto a <see cref="WebApplication"/>. Search requests become
/// <see cref="PhotoQuery"/>s; everything that names a file takes an index id, and <see cref="ServedFiles"/> decides
/// whether that file may be read.
/// </summary>
sealed class SearchApi(PhotoIndex index, ServedFiles files, ThumbnailCache thumbnails, long maxUploadBytes)
{
    const int MaxTop = 1000;
    volatile string state = "loading";
    volatile string? failure;

    public TimeSpan ModelLoadTime { get; private set; }

    /// <summary>Loads the model once, then runs one query so the first user's search does not pay for warm-up.</summary>
    public void LoadModel(string? modelPath)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            if (modelPath is null) index.LoadModel();
            else index.UseModel(Clip.Load(modelPath));
            index.Search(new PhotoQuery { Text = "a photo", Top = 1 });
            ModelLoadTime = clock.Elapsed;
            state = "ready";
        }
        catch (Exception e)
        {
            failure = e is ClipNetException ? e.Message : $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0]}";
            state = "failed";
            throw;
        }
    }

    public void Map(WebApplication app)
    {
        foreach (var (path, asset) in PageAssets.All)
            app.MapGet(path, (HttpContext context) => Asset(context, asset)).ExcludeFromDescription();

        var api = app.MapGroup("/api");
        api.MapGet("/status", Status).WithSummary("Whether the model is loaded yet, and what is being served");
        api.MapGet("/search", (string? q, string[]? plus, string[]? minus, string? folder, DateOnly? from, DateOnly? to, string[]? type,
                float? minScore, int? top) =>
                Run(() => index.Search(new PhotoQuery
                {
                    Text = NullIfBlank(q), Plus = Texts(plus), Minus = Texts(minus),
                    Filter = Filter(folder, from, to, type), MinScore = minScore, Top = Top(top),
                }), needsModel: true))
            .WithSummary("Search by text, with optional plus/minus texts, filters, a minimum score and a result count");
        api.MapPost("/search", SearchByImage)
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .WithSummary("Search by an uploaded image (form field `image`), with the same fields as GET /api/search");
        api.MapGet("/similar/{id:long}", (long id, string? folder, DateOnly? from, DateOnly? to, string[]? type, float? minScore, int? top) =>
                index.Get(id) is null
                    ? NotFound($"no photo with id {id} in the index")
                    : Run(() => index.Similar(id, Top(top), Filter(folder, from, to, type), minScore), needsModel: false))
            .WithSummary("Photos most like the indexed photo {id}");
        api.MapGet("/image/{id:long}", Image).WithSummary("The original file of the indexed photo {id}");
        api.MapGet("/thumb/{id:long}", Thumbnail).WithSummary("An upright JPEG thumbnail of the indexed photo {id}");
        api.MapGet("/duplicates", Duplicates).WithSummary("Exact and near-duplicate groups; nothing is ever deleted");
    }

    ServerStatus Status()
    {
        var status = index.Status();
        return new ServerStatus(state, failure, status.PhotoCount, status.Model.Source, status.IndexPath);
    }

    IResult Run(Func<IReadOnlyList<PhotoHit>> search, bool needsModel)
    {
        if (needsModel && state != "ready")
            return Results.Json(new ApiError(state == "failed" ? $"the model could not be loaded: {failure}" : "the model is still loading; try again in a moment"),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        var clock = Stopwatch.StartNew();
        try
        {
            var hits = search();
            return Results.Ok(new SearchResponse(hits.Select(h => new SearchHit(h.Id, h.Path, System.IO.Path.GetFileName(h.Path), h.Score, h.SizeBytes, h.CapturedAt)).ToList(),
                clock.Elapsed.TotalMilliseconds));
        }
        catch (ClipNetException e)
        {
            return Results.BadRequest(new ApiError(e.Message));
        }
    }

    async Task<IResult> SearchByImage(HttpRequest request)
    {
        if (!request.HasFormContentType) return Results.BadRequest(new ApiError("send the image as multipart/form-data, field `image`"));
        if (request.ContentLength > maxUploadBytes + (1L << 20))
            return Results.Json(new ApiError($"the upload is larger than {maxUploadBytes >> 20} MiB"), statusCode: StatusCodes.Status413PayloadTooLarge);
        var form = await request.ReadFormAsync();
        var image = form.Files.GetFile("image");
        if (image is null || image.Length == 0) return Results.BadRequest(new ApiError("no image in the form field `image`"));
        if (image.Length > maxUploadBytes)
            return Results.Json(new ApiError($"{image.FileName}: larger than {maxUploadBytes >> 20} MiB"), statusCode: StatusCodes.Status413PayloadTooLarge);
        var bytes = new byte[image.Length];
        await using (var stream = image.OpenReadStream()) await stream.ReadExactlyAsync(bytes);
        string? Field(string name) => NullIfBlank(form[name].FirstOrDefault());
        if (!TryDate(Field("from"), out var from) || !TryDate(Field("to"), out var to)) return Results.BadRequest(new ApiError("from/to: dates are yyyy-mm-dd"));
        if (!TryNumber(Field("minScore"), out float? minScore)) return Results.BadRequest(new ApiError("minScore: not a number"));
        if (!TryNumber(Field("top"), out float? top)) return Results.BadRequest(new ApiError("top: not a number"));
        return Run(() => index.Search(new PhotoQuery
        {
            Text = Field("q"), ImageBytes = bytes, ImageBytesName = string.IsNullOrEmpty(image.FileName) ? "uploaded image" : image.FileName,
            Plus = Texts(form["plus"].ToArray()), Minus = Texts(form["minus"].ToArray()),
            Filter = Filter(Field("folder"), from, to, form["type"].ToArray()), MinScore = minScore, Top = Top((int?)top),
        }), needsModel: true);
    }

    IResult Image(long id, HttpContext context)
    {
        var photo = index.Get(id);
        string? path = photo is null ? null : files.Resolve(photo.Path);
        if (photo is null || path is null) return NotFound($"no photo with id {id} that can be served");
        var info = new FileInfo(path);
        return Results.File(path, ContentType(photo.Type), fileDownloadName: null, lastModified: info.LastWriteTimeUtc,
            entityTag: new EntityTagHeaderValue($"\"{thumbnails.Key(path, info.Length, info.LastWriteTimeUtc)}\""), enableRangeProcessing: true);
    }

    IResult Thumbnail(long id, HttpContext context)
    {
        var photo = index.Get(id);
        string? path = photo is null ? null : files.Resolve(photo.Path);
        if (photo is null || path is null) return NotFound($"no photo with id {id} that can be served");
        var info = new FileInfo(path);
        string key = thumbnails.Key(path, info.Length, info.LastWriteTimeUtc);
        context.Response.Headers.CacheControl = "private, no-cache";   // revalidate by ETag: a changed photo shows at once
        byte[] jpeg;
        try
        {
            jpeg = thumbnails.Get(path, key);
        }
        catch (ClipNetException e)
        {
            return NotFound(e.Message);
        }
        return Results.Bytes(jpeg, "image/jpeg", lastModified: info.LastWriteTimeUtc, entityTag: new EntityTagHeaderValue($"\"{key}\""));
    }

    IResult Duplicates(float? threshold)
    {
        if (threshold is < 0 or > 1) return Results.BadRequest(new ApiError("threshold: a cosine similarity between 0 and 1"));
        var report = index.Duplicates(threshold ?? PhotoIndex.DefaultDuplicateThreshold);
        return Results.Ok(new DuplicatesResponse(report.Threshold, report.Groups.Select(g => new DuplicateGroupView(
            g.Kind == DuplicateKind.Exact ? "exact" : "near", g.MinSimilarity,
            g.Photos.Select(p => new DuplicatePhoto(p.Id, p.Path, System.IO.Path.GetFileName(p.Path), p.SizeBytes, p.Width, p.Height)).ToList())).ToList()));
    }

    static IResult Asset(HttpContext context, PageAssets.Asset asset)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue(asset.ETag));
    }

    static IResult NotFound(string message) => Results.NotFound(new ApiError(message));

    static PhotoFilter Filter(string? folder, DateOnly? from, DateOnly? to, string?[]? types) => new()
    {
        FolderPrefix = NullIfBlank(folder),
        After = from?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        Before = to?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),   // "to" is inclusive: the whole day
        Types = Texts(types?.SelectMany(t => t?.Split(',') ?? []).ToArray()),
    };

    static int Top(int? top) => Math.Clamp(top ?? 50, 1, MaxTop);

    // Query strings and forms may carry a key with no value; those entries are null and mean nothing.
    static IReadOnlyList<string> Texts(string?[]? values) =>
        values?.Select(v => v?.Trim() ?? "").Where(v => v.Length > 0).ToList() ?? [];

    static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static bool TryDate(string? text, out DateOnly? date)
    {
        date = null;
        if (text is null) return true;
        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", out var parsed)) return false;
        date = parsed;
        return true;
    }

    static bool TryNumber(string? text, out float? number)
    {
        number = null;
        if (text is null) return true;
        if (!float.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) return false;
        number = parsed;
        return true;
    }

    static string ContentType(string type) => type.ToLowerInvariant() switch
    {
        "jpg" or "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        _ => "application/octet-stream",
    };
}
