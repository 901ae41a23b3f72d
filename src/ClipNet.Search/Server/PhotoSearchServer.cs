using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClipNet.Search.Server;

/// <summary>What <c>clip serve</c> serves, and where.</summary>
public sealed record PhotoSearchServerOptions(string IndexPath)
{
    /// <summary>The address to listen on. Loopback by default: only this machine can connect.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>The port; 0 picks a free one (see <see cref="PhotoSearchServer.Address"/>).</summary>
    public int Port { get; init; } = 5000;
    /// <summary>A model to query with instead of the one recorded in the index (it must be the same model).</summary>
    public string? ModelPath { get; init; }
    /// <summary>Where thumbnails are kept; by default a folder beside the index, <c>INDEX.thumbnails</c>.</summary>
    public string? ThumbnailDirectory { get; init; }
    /// <summary>The largest image a search by image accepts, in bytes; a larger upload is refused before it is read.</summary>
    public long MaxUploadBytes { get; init; } = 32L << 20;
}

/// <summary>
/// The photo search web server: the search page and its JSON API over a <see cref="PhotoIndex"/>
/// (ASP.NET Core minimal API on Kestrel). <see cref="StartAsync"/> opens the index, starts listening at once and
/// loads the model in the background, once; <c>/api/status</c> says when it is ready, and searches by text or
/// image answer 503 until then. Files are reached only by index id (<see cref="ServedFiles"/>).
/// <code>
/// await using var server = await PhotoSearchServer.StartAsync(new PhotoSearchServerOptions("photos.clipindex") { Port = 0 });
/// Console.WriteLine(server.Address);     // http://127.0.0.1:41234/
/// await server.ModelLoaded;
/// </code>
/// </summary>
public sealed class PhotoSearchServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly PhotoIndex index;
    readonly SearchApi api;

    /// <summary>The address it listens on, with the actual port.</summary>
    public Uri Address { get; }
    /// <summary>Completes when the model is loaded and warmed up; faults with the reason when it cannot be loaded.</summary>
    public Task ModelLoaded { get; }
    /// <summary>How long loading and warming up the model took, once <see cref="ModelLoaded"/> completes.</summary>
    public TimeSpan ModelLoadTime => api.ModelLoadTime;
    public IndexStatus IndexStatus { get; }

    PhotoSearchServer(WebApplication app, PhotoIndex index, SearchApi api, Uri address, Task modelLoaded, IndexStatus status)
    {
        this.app = app; this.index = index; this.api = api; Address = address; ModelLoaded = modelLoaded; IndexStatus = status;
    }

    public static async Task<PhotoSearchServer> StartAsync(PhotoSearchServerOptions options, CancellationToken cancellation = default)
    {
        if (options.Port is < 0 or > 65535) throw new ClipNetException($"--port {options.Port}: a port is 0 to 65535");
        var address = ParseHost(options.Host);
        var index = PhotoIndex.Open(options.IndexPath);
        try
        {
            var status = index.Status();
            var files = new ServedFiles(index.Folders());
            var thumbnails = new ThumbnailCache(options.ThumbnailDirectory ?? options.IndexPath + ".thumbnails");
            var api = new SearchApi(index, files, thumbnails, options.MaxUploadBytes);

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(address, options.Port);
                kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1L << 20);
            });
            builder.Services.AddOpenApi();
            var app = builder.Build();
            app.MapOpenApi();
            api.Map(app);
            try
            {
                await app.StartAsync(cancellation);
            }
            catch (IOException e)
            {
                await app.DisposeAsync();
                throw new ClipNetException($"cannot listen on {options.Host}:{options.Port}: {e.Message}", e);
            }
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

            var modelLoaded = Task.Run(() => api.LoadModel(options.ModelPath), CancellationToken.None);
            return new PhotoSearchServer(app, index, api, new Uri(bound.EndsWith('/') ? bound : bound + "/"), modelLoaded, status);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Runs until the process is asked to stop (Ctrl+C, SIGTERM) or <paramref name="cancellation"/> fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellation = default) => app.WaitForShutdownAsync(cancellation);

    /// <summary>True when the server listens on the loopback interface only.</summary>
    public bool IsLoopbackOnly => IPAddress.TryParse(Address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        try { await ModelLoaded; } catch { /* its failure was reported through /api/status */ }
        index.Dispose();
    }

    static IPAddress ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) return ip;
        try
        {
            return Dns.GetHostAddresses(host).First();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException or ArgumentException)
        {
            throw new ClipNetException($"--host {host}: not an IP address or a known host name");
        }
    }
}
