using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClipNet.Search;
using ClipNet.Search.Server;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Search.Server;

/// <summary>The JSON API over HTTP, checked against the index it serves and the files on disk.</summary>
[Collection(PhotoServerCollection.Name)]
public class SearchApiTests(PhotoServerFixture server)
{
    [Fact]
    public async Task StatusSaysReadyWithTheIndexAndModel()
    {
        var status = await server.Client.GetFromJsonAsync<ServerStatus>("/api/status");
        Assert.Equal("ready", status!.State);
        Assert.Equal(20, status.Photos);   // 16 photos, the sideways JPEG, the copy, swapped.png and album/horse.png
        Assert.Contains("weights_openai.safetensors", status.Model);
        Assert.True(server.Server.IsLoopbackOnly);
        Assert.Equal("127.0.0.1", server.Server.Address.Host);
        Assert.Equal("127.0.0.1", new PhotoSearchServerOptions("any").Host);
    }

    [Fact]
    public async Task TextSearchReturnsTheIndexRanking()
    {
        var served = await server.GetResults("/api/search?q=a%20cat%20on%20a%20sofa&top=7");
        using var index = PhotoIndex.Open(server.IndexPath);
        index.LoadModel();
        var expected = index.Search(new PhotoQuery { Text = "a cat on a sofa", Top = 7 });
        Assert.Equal(expected.Select(h => h.Id), served.Results.Select(h => h.Id));
        Assert.Equal(expected.Select(h => h.Score), served.Results.Select(h => h.Score));
        Assert.Equal(expected.Select(h => Path.GetFileName(h.Path)), served.Results.Select(h => h.Name));
    }

    [Fact]
    public async Task MinimumScoreAndTopLimitTheResults()
    {
        var all = await server.GetResults("/api/search?q=a%20horse&top=100");
        Assert.Equal(20, all.Results.Count);
        Assert.Equal(all.Results.Select(h => h.Score).OrderDescending(), all.Results.Select(h => h.Score));
        float third = all.Results[2].Score;
        var strong = await server.GetResults($"/api/search?q=a%20horse&top=100&minScore={third.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        Assert.Equal(all.Results.Where(h => h.Score >= third).Select(h => h.Id), strong.Results.Select(h => h.Id));
        Assert.Equal(4, (await server.GetResults("/api/search?q=a%20horse&top=4")).Results.Count);
    }

    [Fact]
    public async Task FiltersKeepToTheFolderAndFileType()
    {
        var jpegs = await server.GetResults("/api/search?q=a%20photo&type=jpg&top=100");
        Assert.Equal([PhotoServerFixture.SidewaysJpeg], jpegs.Results.Select(h => h.Name));
        string folder = Uri.EscapeDataString(Path.Combine(server.Photos, "copies"));
        var copies = await server.GetResults($"/api/search?q=a%20photo&folder={folder}&top=100");
        Assert.Equal([Path.Combine(server.Photos, "copies", "astronaut.png")], copies.Results.Select(h => h.Path));
    }

    [Fact]
    public async Task PlusAndMinusTextsChangeTheQuery()
    {
        var plain = await server.GetResults("/api/search?q=a%20rocket&top=100");
        var shifted = await server.GetResults("/api/search?q=a%20rocket&plus=coins&minus=a%20galaxy&top=100");
        using var index = PhotoIndex.Open(server.IndexPath);
        index.LoadModel();
        var expected = index.Search(new PhotoQuery { Text = "a rocket", Plus = ["coins"], Minus = ["a galaxy"], Top = 100 });
        Assert.Equal(expected.Select(h => h.Score), shifted.Results.Select(h => h.Score));
        Assert.NotEqual(plain.Results.Select(h => h.Score), shifted.Results.Select(h => h.Score));
    }

    [Fact]
    public async Task AnUploadedImageFindsItselfAndItsCopyFirst()
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(File.ReadAllBytes(Path.Combine(server.Photos, "astronaut.png")));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "query.png");
        form.Add(new StringContent("5"), "top");
        var response = await server.Client.PostAsync("/api/search", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<SearchResponse>())!.Results;
        Assert.Equal(5, results.Count);
        Assert.Equal(["astronaut.png", "astronaut.png"], results.Take(2).Select(h => h.Name));
        Assert.All(results.Take(2), h => Assert.Equal(1f, h.Score, 1e-3f));   // float16 vectors in the index
    }

    [Fact]
    public async Task AnUploadThatIsNotAnImageIsAClearError()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent("not an image"u8.ToArray()), "image", "notes.png");
        var response = await server.Client.PostAsync("/api/search", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<ApiError>();
        Assert.Contains("notes.png", error!.Error);
        Assert.Contains("not a decodable image", error.Error);

        var empty = await server.Client.PostAsync("/api/search", new MultipartFormDataContent { { new StringContent("x"), "q" } });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task SimilarRanksOtherPhotosByCosineToTheIndexedOne()
    {
        long astronaut = server.IdOf("astronaut.png");
        var similar = await server.GetResults($"/api/similar/{astronaut}?top=100");
        Assert.DoesNotContain(similar.Results, h => h.Id == astronaut);
        Assert.Equal(server.IdOf(Path.Combine("copies", "astronaut.png")), similar.Results[0].Id);
        Assert.Equal(1f, similar.Results[0].Score, 1e-3f);   // float16 vectors in the index
        Assert.Equal(similar.Results.Select(h => h.Score).OrderDescending(), similar.Results.Select(h => h.Score));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/similar/999999")).StatusCode);
    }

    [Fact]
    public async Task TheImageEndpointServesTheOriginalFile()
    {
        var response = await server.Client.GetAsync($"/api/image/{server.IdOf("chelsea.png")}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(File.ReadAllBytes(Path.Combine(server.Photos, "chelsea.png")), await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task ThumbnailsAreUprightSmallCachedOnDiskAndRevalidated()
    {
        string url = $"/api/thumb/{server.IdOf(PhotoServerFixture.SidewaysJpeg)}";
        var response = await server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(response.Headers.CacheControl);
        var etag = response.Headers.ETag!;

        // Stored 400x300 with orientation 6, the yellow corner stored top-left shows top-right.
        var thumbnail = ImageDecoder.Decode(await response.Content.ReadAsByteArrayAsync(), "thumbnail");
        Assert.Equal((240, 320), (thumbnail.Width, thumbnail.Height));
        bool Yellow(int x, int y)
        {
            int i = (y * thumbnail.Width + x) * 3;
            return thumbnail.Pixels[i] > 180 && thumbnail.Pixels[i + 1] > 180 && thumbnail.Pixels[i + 2] < 100;
        }
        Assert.True(Yellow(236, 3));
        Assert.False(Yellow(3, 3));

        string cached = Assert.Single(Directory.GetFiles(server.ThumbnailDirectory, etag.Tag.Trim('"') + ".jpg", SearchOption.AllDirectories));
        var written = File.GetLastWriteTimeUtc(cached);
        using var again = new HttpRequestMessage(HttpMethod.Get, url);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await server.Client.SendAsync(again)).StatusCode);
        Assert.Equal((await response.Content.ReadAsByteArrayAsync()).Length, (await server.Client.GetByteArrayAsync(url)).Length);
        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));   // made once
    }

    [Fact]
    public async Task DuplicatesShowTheExactCopyWithSizesAndDeleteNothing()
    {
        var before = Directory.GetFiles(server.Photos, "*", SearchOption.AllDirectories).Length;
        var report = await server.Client.GetFromJsonAsync<DuplicatesResponse>("/api/duplicates");
        Assert.Equal(PhotoIndex.DefaultDuplicateThreshold, report!.Threshold);
        var exact = Assert.Single(report.Groups, g => g.Kind == "exact" && g.Photos.Any(p => p.Name == "astronaut.png"));
        Assert.Equal([Path.Combine(server.Photos, "astronaut.png"), Path.Combine(server.Photos, "copies", "astronaut.png")],
            exact.Photos.Select(p => p.Path).Order());
        Assert.All(exact.Photos, p => Assert.Equal(new FileInfo(Path.Combine(server.Photos, "astronaut.png")).Length, p.Bytes));
        Assert.Equal(before, Directory.GetFiles(server.Photos, "*", SearchOption.AllDirectories).Length);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client.GetAsync("/api/duplicates?threshold=2")).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryEndpoint()
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (string path in new[] { "/api/search", "/api/similar/{id}", "/api/image/{id}", "/api/thumb/{id}", "/api/status", "/api/duplicates" })
            Assert.Contains(path, paths);
        Assert.True(document.RootElement.GetProperty("paths").GetProperty("/api/search").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task ThePageComesFromTheAssemblyAndLoadsNothingFromElsewhere()
    {
        string html = await server.Client.GetStringAsync("/");
        Assert.Contains("<script src=\"/app.js\">", html);
        foreach (string asset in new[] { "/", "/app.js", "/app.css" })
        {
            string text = await server.Client.GetStringAsync(asset);
            Assert.DoesNotContain("http://", text);
            Assert.DoesNotContain("https://", text);
            Assert.DoesNotContain("//cdn", text);
        }
    }
}
