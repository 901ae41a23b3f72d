using System.Security.Cryptography;

namespace ClipNet.Search.Server;

/// <summary>
/// The search page's HTML, CSS and JavaScript, embedded in this assembly (nothing comes from a CDN: the page works
/// offline). Served by a fixed table of names, so no request path ever reaches the file system.
/// </summary>
public static class PageAssets
{
    public sealed record Asset(string ContentType, byte[] Content, string ETag);

    /// <summary>URL path → asset.</summary>
    public static IReadOnlyDictionary<string, Asset> All { get; } = new Dictionary<string, Asset>
    {
        ["/"] = Load("index.html", "text/html; charset=utf-8"),
        ["/app.css"] = Load("app.css", "text/css; charset=utf-8"),
        ["/app.js"] = Load("app.js", "text/javascript; charset=utf-8"),
    };

    static Asset Load(string name, string contentType)
    {
        string resource = $"ClipNet.Search.Server.Page.{name}";
        using var stream = typeof(PageAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded page file {resource} is missing from the build");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        return new Asset(contentType, content, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }
}
