using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using ClipNet.Search;
using ClipNet.Search.Server;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Vision;
using Xunit;

namespace ClipNet.Tests.Search.Server;

/// <summary>
/// A running <c>clip serve</c> over a copy of <c>photos-demo</c> indexed with the tiny fixture ViT, shared by the
/// server test classes. The copy adds a JPEG stored sideways (EXIF orientation 6), a byte-identical copy of the
/// astronaut in a sub-folder, and two photos that, after indexing, are swapped for symbolic links out of the
/// folder: one file, and one sub-folder. Outside the indexed folder lies a secret file that must never be served.
/// </summary>
public sealed class PhotoServerFixture : IAsyncLifetime
{
    public const string SidewaysJpeg = "exif_orient6_400x300.jpg";
    public const string SecretText = "top secret: not a photo";
    public static readonly string Model = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");

    readonly TempFolder temp = new();
    public string Photos => Path.Combine(temp.Path, "photos");
    public string Outside => Path.Combine(temp.Path, "outside");
    public string IndexPath => Path.Combine(temp.Path, "photos.clipindex");
    public string ThumbnailDirectory => Path.Combine(temp.Path, "thumbnails");
    public PhotoSearchServer Server { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Photos, "copies"));
        Directory.CreateDirectory(Path.Combine(Photos, "album"));
        Directory.CreateDirectory(Path.Combine(Outside, "album"));
        foreach (string file in Directory.GetFiles(SharedFixtures.DataPath("photos-demo", "images")))
            File.Copy(file, Path.Combine(Photos, Path.GetFileName(file)));
        File.Copy(PreprocessCases.Named(SidewaysJpeg).ImagePath, Path.Combine(Photos, SidewaysJpeg));
        File.Copy(Path.Combine(Photos, "astronaut.png"), Path.Combine(Photos, "copies", "astronaut.png"));
        File.Copy(Path.Combine(Photos, "coffee.png"), Path.Combine(Photos, "swapped.png"));
        File.Copy(Path.Combine(Photos, "horse.png"), Path.Combine(Photos, "album", "horse.png"));
        File.WriteAllText(Path.Combine(Outside, "secret.png"), SecretText);
        File.WriteAllText(Path.Combine(Outside, "album", "horse.png"), SecretText);

        using (var clip = Clip.Load(Model))
        using (var index = PhotoIndex.Create(IndexPath, clip))
            index.Update(new IndexUpdateRequest([Photos]));

        // After indexing, a file and a folder are replaced by links that lead out of the indexed folder.
        File.Delete(Path.Combine(Photos, "swapped.png"));
        File.CreateSymbolicLink(Path.Combine(Photos, "swapped.png"), Path.Combine(Outside, "secret.png"));
        Directory.Delete(Path.Combine(Photos, "album"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(Photos, "album"), Path.Combine(Outside, "album"));

        Server = await PhotoSearchServer.StartAsync(new PhotoSearchServerOptions(IndexPath) { Port = 0, ThumbnailDirectory = ThumbnailDirectory });
        await Server.ModelLoaded;
        Client = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromMinutes(1) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        temp.Dispose();
    }

    /// <summary>The id the index gave a photo, from its path relative to the photo folder.</summary>
    public long IdOf(string relativePath)
    {
        using var index = PhotoIndex.Open(IndexPath);
        string full = Path.Combine(Photos, relativePath);
        for (long id = 1; id <= 1000; id++)
            if (index.Get(id) is { } photo && photo.Path == full) return id;
        throw new InvalidOperationException($"{relativePath} is not in the index");
    }

    public async Task<SearchResponse> GetResults(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }

    /// <summary>
    /// Sends the request line exactly as written (HttpClient would clean up "..", and so would a browser),
    /// and returns the status code and body.
    /// </summary>
    public async Task<(int Status, string Body)> RawGet(string target)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.Address.Host, Server.Address.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {Server.Address.Authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync();
        string statusLine = response.Split("\r\n", 2)[0];
        return (int.Parse(statusLine.Split(' ')[1]), response);
    }
}

[CollectionDefinition(Name)]
public sealed class PhotoServerCollection : ICollectionFixture<PhotoServerFixture>
{
    public const string Name = "photo server";
}
