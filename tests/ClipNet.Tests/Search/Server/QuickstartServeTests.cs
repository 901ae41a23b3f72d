using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ClipNet.Search.Server;
using ClipNet.Tests.Cli;
using Xunit;

namespace ClipNet.Tests.Search.Server;

/// <summary>`clip quickstart` ends by indexing its held-out scenes and printing the `clip serve` command that searches them.</summary>
public class QuickstartServeTests
{
    [Fact]
    public async Task QuickstartPrintsAServeCommandThatSearchesItsScenesWithItsModel()
    {
        string output = Directory.CreateTempSubdirectory("clipnet-quickstart-serve-").FullName;
        try
        {
            var run = ClipProcess.Run("quickstart", "--out", output, "--scenes", "256", "--epochs", "1", "--eval-images", "60");
            Assert.True(run.ExitCode == 0, run.Error);
            var command = Regex.Match(run.Output, @"^  clip serve --index (\S+)$", RegexOptions.Multiline);
            Assert.True(command.Success, run.Output);
            Assert.Contains("Indexed 60 held-out scenes", run.Output);

            await using var server = await PhotoSearchServer.StartAsync(new PhotoSearchServerOptions(command.Groups[1].Value) { Port = 0 });
            await server.ModelLoaded;
            using var client = new HttpClient { BaseAddress = server.Address };
            var status = await client.GetFromJsonAsync<ServerStatus>("/api/status");
            Assert.Equal(60, status!.Photos);
            Assert.StartsWith(Path.GetFullPath(Path.Combine(output, "model")) + "/", status.Model);
            var results = (await client.GetFromJsonAsync<SearchResponse>("/api/search?q=a%20red%20circle&top=5"))!.Results;
            Assert.Equal(5, results.Count);
            Assert.All(results, hit => Assert.StartsWith(Path.Combine(Path.GetFullPath(output), "scenes") + "/", hit.Path));
        }
        finally { Directory.Delete(output, recursive: true); }
    }
}
