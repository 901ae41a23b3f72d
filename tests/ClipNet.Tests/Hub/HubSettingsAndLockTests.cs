using ClipNet.Hub;
using ClipNet.Tests.Checkpoints;
using Xunit;

namespace ClipNet.Tests.Hub;

/// <summary>The environment rules of huggingface_hub's constants.py, and the per-blob lock between concurrent downloads.</summary>
public class HubSettingsAndLockTests
{
    static HubSettings From(Dictionary<string, string> variables) => HubSettings.FromVariables(name => variables.GetValueOrDefault(name));

    [Fact]
    public void CacheRootFollowsHfHubCacheThenHfHomeThenXdgCacheHome()
    {
        Assert.Equal("/c/hub-cache", From(new() { ["HF_HUB_CACHE"] = "/c/hub-cache", ["HF_HOME"] = "/h", ["XDG_CACHE_HOME"] = "/x" }).CacheRoot);
        Assert.Equal("/h/hub", From(new() { ["HF_HOME"] = "/h", ["XDG_CACHE_HOME"] = "/x" }).CacheRoot);
        Assert.Equal("/x/huggingface/hub", From(new() { ["XDG_CACHE_HOME"] = "/x" }).CacheRoot);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), From(new()).CacheRoot);
        Assert.Equal("https://huggingface.co", From(new()).Endpoint);
        Assert.Equal("http://mirror:8080", From(new() { ["HF_ENDPOINT"] = "http://mirror:8080/" }).Endpoint);
    }

    [Fact]
    public void TokenComesFromHfTokenThenTheOldNameThenTheTokenFile()
    {
        using var home = new TempFolder();
        home.Write("token", "hf_from_file\n"u8.ToArray());
        Assert.Equal("hf_a", From(new() { ["HF_TOKEN"] = "hf_a", ["HUGGING_FACE_HUB_TOKEN"] = "hf_b", ["HF_HOME"] = home.Path }).Token);
        Assert.Equal("hf_b", From(new() { ["HUGGING_FACE_HUB_TOKEN"] = "hf_b", ["HF_HOME"] = home.Path }).Token);
        Assert.Equal("hf_from_file", From(new() { ["HF_HOME"] = home.Path }).Token);
        Assert.Null(From(new() { ["HF_HOME"] = Path.Combine(home.Path, "elsewhere") }).Token);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    public void OfflineTakesHuggingFaceHubsSpellingsOfTrue(string value, bool offline) =>
        Assert.Equal(offline, From(new() { ["HF_HUB_OFFLINE"] = value }).Offline);

    [Fact]
    public void DownloadTimeoutDefaultsToTenSecondsAndReadsHfHubDownloadTimeout()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), HubSettings.FromVariables(_ => null).DownloadTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2.5), HubSettings.FromVariables(n => n == "HF_HUB_DOWNLOAD_TIMEOUT" ? "2.5" : null).DownloadTimeout);
        var error = Assert.Throws<ClipNetException>(() => HubSettings.FromVariables(n => n == "HF_HUB_DOWNLOAD_TIMEOUT" ? "soon" : null));
        Assert.Equal("HF_HUB_DOWNLOAD_TIMEOUT=soon: expected a positive number of seconds", error.Message);
    }

    [Fact]
    public void EtagsLoseTheirWeakMarkerAndQuotes()
    {
        Assert.Equal("abc", HubClient.NormalizeEtag("W/\"abc\""));
        Assert.Equal("abc", HubClient.NormalizeEtag("\"abc\""));
        Assert.Equal("abc", HubClient.NormalizeEtag("abc"));
    }

    [Fact]
    public async Task ADownloadWaitsWhileAnotherProcessHoldsTheBlobsLock()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        var settings = new HubSettings { Endpoint = hub.Endpoint, CacheRoot = cache.Path };
        string etag = hub.EtagOf("model.safetensors");
        string lockPath = new HubCache(cache.Path).LockPath("clipnet/vit-tiny", etag);
        Assert.Equal(Path.Combine(cache.Path, ".locks", "models--clipnet--vit-tiny", etag + ".lock"), lockPath);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);

        Task<DownloadResult> download;
        // An exclusive lock, as another process (or huggingface_hub's filelock) holds it while downloading.
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            download = Task.Run(() => HubDownload.Download(new DownloadRequest("clipnet/vit-tiny"), settings));
            await Task.Delay(2000);
            Assert.False(download.IsCompleted);
            Assert.DoesNotContain(hub.Requests, r => r.ContentHost);
        }
        var result = await download.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Single(hub.Requests, r => r.ContentHost);
        Assert.Equal(etag, LocalHub.Sha256(File.ReadAllBytes(result.WeightsPath)));
    }
}
