using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClipNet.Tests.Hub;

/// <summary>
/// A stand-in for huggingface.co on 127.0.0.1, serving one repository at one commit the way the hub does: the
/// model listing, HEAD and GET on `resolve/` with X-Repo-Commit and ETag, LFS files (safetensors, bin) answered
/// with a 302 carrying X-Linked-Etag / X-Linked-Size to a second port that stands for the content host, which
/// honours Range. Switches inject the faults the client must survive; every request is recorded.
/// </summary>
sealed class LocalHub : IDisposable
{
    public const string Commit = "5f0c3e8a1b2d4c6e8f0a1b2c3d4e5f60718293a4";

    public sealed record Served(bool ContentHost, string Method, string Path, string? Authorization, string? Range, int Status, long BytesSent);

    sealed record HostedFile(byte[] Bytes, string Etag, bool Lfs);

    readonly WebApplication app;
    readonly int hubPort;
    readonly Dictionary<string, HostedFile> files;
    readonly Dictionary<string, HostedFile> blobsBySha = new();
    readonly ConcurrentQueue<Served> served = new();

    public string RepoId { get; }
    public string Endpoint { get; }
    public string ContentOrigin { get; }
    public IReadOnlyList<Served> Requests => served.ToList();

    /// <summary>Content responses stop (the connection is dropped) after this many bytes.</summary>
    public long? DropContentAfter { get; set; }
    /// <summary>Content responses stop sending after this many bytes but keep the connection open, as a stalled server does.</summary>
    public long? StallContentAfter { get; set; }
    /// <summary>Content is served with one byte flipped, at the announced size.</summary>
    public bool CorruptContent { get; set; }
    /// <summary>The content host answers 200 with the whole file whatever Range asks, as some servers do.</summary>
    public bool IgnoreRange { get; set; }
    /// <summary>Every hub request (listing, HEAD, GET) answers this status, e.g. 401 for a gated repository.</summary>
    public int? ForceStatus { get; set; }

    /// <summary>Serves <paramref name="repoId"/> with the given files (name in the repo → file on disk).</summary>
    public LocalHub(string repoId, IReadOnlyDictionary<string, string> repoFiles)
    {
        RepoId = repoId;
        files = repoFiles.ToDictionary(f => f.Key, f => Host(f.Key, File.ReadAllBytes(f.Value)));
        foreach (var file in files.Values.Where(f => f.Lfs)) blobsBySha[file.Etag] = file;

        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => { k.Listen(IPAddress.Loopback, 0); k.Listen(IPAddress.Loopback, 0); });
        app = builder.Build();
        app.Run(Handle);
        app.StartAsync().GetAwaiter().GetResult();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        Endpoint = addresses[0].TrimEnd('/');
        ContentOrigin = addresses[1].TrimEnd('/');
        hubPort = new Uri(Endpoint).Port;
    }

    /// <summary>The fixture's tiny ViT as a Hugging Face CLIPModel folder.</summary>
    public static LocalHub ServingFixtureModel(string repoId = "clipnet/vit-tiny")
    {
        string folder = SharedFixtures.Fixture("models", "vit", "hf");
        return new LocalHub(repoId, Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => f));
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The ETag the hub gives a file: the sha256 of LFS content, git's blob sha1 for the rest.</summary>
    public string EtagOf(string file) => files[file].Etag;

    static HostedFile Host(string name, byte[] bytes)
    {
        bool lfs = name.EndsWith(".safetensors") || name.EndsWith(".bin");
        string etag = lfs ? Sha256(bytes)
            : Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));
        return new HostedFile(bytes, etag, lfs);
    }

    async Task Handle(HttpContext context)
    {
        bool contentHost = context.Connection.LocalPort != hubPort;
        var request = context.Request;
        string path = Uri.UnescapeDataString(request.Path.Value ?? "");
        long sent = 0;
        try
        {
            if (contentHost) sent = await ServeContent(context, path);
            else if (ForceStatus is int status) context.Response.StatusCode = status;
            else if (path.StartsWith("/api/models/")) await ServeListing(context, path["/api/models/".Length..]);
            else await ServeResolve(context, path);
        }
        finally
        {
            served.Enqueue(new Served(contentHost, request.Method, path, request.Headers.Authorization.FirstOrDefault(),
                request.Headers.Range.FirstOrDefault(), context.Response.StatusCode, sent));
        }
    }

    async Task ServeListing(HttpContext context, string rest)
    {
        // {org}/{name}/revision/{revision}
        int revisionAt = rest.IndexOf("/revision/", StringComparison.Ordinal);
        if (revisionAt < 0 || rest[..revisionAt] != RepoId) { NotFound(context, "RepoNotFound"); return; }
        if (rest[(revisionAt + "/revision/".Length)..] is not ("main" or Commit)) { NotFound(context, "RevisionNotFound"); return; }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            id = RepoId, sha = Commit, siblings = files.Keys.Order().Select(f => new { rfilename = f }),
        }));
    }

    async Task ServeResolve(HttpContext context, string path)
    {
        // /{org}/{name}/resolve/{revision}/{file}
        string prefix = $"/{RepoId}/resolve/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) { NotFound(context, "RepoNotFound"); return; }
        string rest = path[prefix.Length..];
        int slash = rest.IndexOf('/');
        if (rest[..slash] is not ("main" or Commit)) { NotFound(context, "RevisionNotFound"); return; }
        if (!files.TryGetValue(rest[(slash + 1)..], out var file)) { NotFound(context, "EntryNotFound"); return; }

        var response = context.Response;
        response.Headers["X-Repo-Commit"] = Commit;
        if (file.Lfs)
        {
            response.StatusCode = StatusCodes.Status302Found;
            response.Headers.ETag = "\"pointer-etag-not-the-content\"";
            response.Headers["X-Linked-Etag"] = $"\"{file.Etag}\"";
            response.Headers["X-Linked-Size"] = file.Bytes.Length.ToString();
            response.Headers.Location = $"{ContentOrigin}/blobs/{file.Etag}";
            return;
        }
        response.Headers.ETag = $"W/\"{file.Etag}\"";
        response.ContentLength = file.Bytes.Length;
        if (HttpMethods.IsGet(context.Request.Method)) await response.Body.WriteAsync(file.Bytes);
    }

    async Task<long> ServeContent(HttpContext context, string path)
    {
        if (!path.StartsWith("/blobs/") || !blobsBySha.TryGetValue(path["/blobs/".Length..], out var file)) { context.Response.StatusCode = 404; return 0; }
        byte[] bytes = file.Bytes;
        if (CorruptContent)
        {
            bytes = (byte[])bytes.Clone();
            bytes[bytes.Length / 2] ^= 0x5A;
        }
        long start = 0;
        string? range = context.Request.Headers.Range.FirstOrDefault();
        if (range is not null && !IgnoreRange && range.StartsWith("bytes=") && range.EndsWith('-') && long.TryParse(range[6..^1], out long from) && from < bytes.Length)
        {
            start = from;
            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {from}-{bytes.Length - 1}/{bytes.Length}";
        }
        long length = bytes.Length - start;
        context.Response.ContentLength = length;
        long limit = Math.Min(length, DropContentAfter ?? StallContentAfter ?? length);
        await context.Response.Body.WriteAsync(bytes.AsMemory((int)start, (int)limit));
        await context.Response.Body.FlushAsync();
        if (limit < length && DropContentAfter is not null)
        {
            await Task.Delay(200);       // let the bytes sent so far arrive before the connection drops
            context.Abort();
        }
        else if (limit < length)
        {
            // Silence, with the connection open, until the client gives up (or the hub is disposed).
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
        }
        return limit;
    }

    static void NotFound(HttpContext context, string code)
    {
        context.Response.StatusCode = 404;
        context.Response.Headers["X-Error-Code"] = code;
    }

    public void Dispose()
    {
        app.StopAsync().Wait();
        ((IDisposable)app).Dispose();
    }
}
