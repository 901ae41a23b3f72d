using System.Net;
using System.Net.Http.Json;
using ClipNet.Search.Server;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using Xunit;

namespace ClipNet.Tests.Search.Server;

/// <summary>Starting the server: what the user sees when the model, the index or the address is wrong.</summary>
[Collection(PhotoServerCollection.Name)]
public class ServerStartupTests(PhotoServerFixture server)
{
    [Fact]
    public async Task AModelThatCannotBeLoadedShowsOnTheStatusAndSearchesSayWhy()
    {
        string missing = Path.Combine(server.Photos, "no-such-model.safetensors");
        await using var broken = await PhotoSearchServer.StartAsync(new PhotoSearchServerOptions(server.IndexPath) { Port = 0, ModelPath = missing });
        await Assert.ThrowsAsync<ClipNetException>(() => broken.ModelLoaded);
        using var client = new HttpClient { BaseAddress = broken.Address };
        var status = await client.GetFromJsonAsync<ServerStatus>("/api/status");
        Assert.Equal("failed", status!.State);
        Assert.Contains("no-such-model.safetensors", status.Message);
        var search = await client.GetAsync("/api/search?q=a%20cat");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, search.StatusCode);
        Assert.Contains("could not be loaded", (await search.Content.ReadFromJsonAsync<ApiError>())!.Error);
        // Photos the index already embedded can still be browsed by similarity.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/similar/{server.IdOf("chelsea.png")}")).StatusCode);
    }

    [Fact]
    public void ServeReportsABadPortAsOneErrorLine()
    {
        var result = ClipProcess.Run("serve", "--index", server.IndexPath, "--port", "70000");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --port 70000: a port is 0 to 65535", result.Error.Trim());
    }

    [Fact]
    public void ServeReportsAFileThatIsNotAnIndexAsOneErrorLine()
    {
        using var temp = new TempFolder();
        string notAnIndex = temp.Write("photos.clipindex", "these are not the photos you are looking for"u8.ToArray());
        var result = ClipProcess.Run("serve", "--index", notAnIndex, "--port", "0");
        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains(notAnIndex, line);
    }
}
