using ClipNet.Hub;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Hub;

/// <summary>
/// Downloads from a local stand-in of the hub (<see cref="LocalHub"/>) into a temporary cache: the huggingface_hub
/// layout, the model loading from it, resumed and corrupt transfers, offline mode and where the token goes.
/// </summary>
public class HubDownloadTests
{
    const string Repo = "clipnet/vit-tiny";
    const string Token = "hf_test_token_123";

    static HubSettings Settings(LocalHub hub, TempFolder cache, string? token = null, bool offline = false) =>
        new() { Endpoint = hub.Endpoint, CacheRoot = cache.Path, Token = token, Offline = offline };

    static string RepoFolder(TempFolder cache) => Path.Combine(cache.Path, "models--clipnet--vit-tiny");

    static void AssertReproducesFixture(Clip clip)
    {
        var inputs = ReferenceModels.Inputs("vit");
        var expected = ReferenceModels.Expected("vit");
        using var _ = torch.no_grad();
        var (perImage, _) = clip.Model.forward(inputs["pixel_values"], inputs["input_ids"].to_type(ScalarType.Int64));
        FixtureTensors.AssertClose(expected["logits_per_image"], perImage, 1e-4, 1e-4, "logits_per_image");
        FixtureTensors.AssertClose(expected["image_features"], clip.Model.EncodeImage(inputs["pixel_values"]), 1e-4, 1e-4, "image_features");
    }

    [Fact]
    public void FreshDownloadLaysOutTheHuggingFaceCacheAndTheModelReproducesTheFixture()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        var result = HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache));

        string repo = RepoFolder(cache);
        Assert.Equal(LocalHub.Commit, File.ReadAllText(Path.Combine(repo, "refs", "main")));
        string snapshot = Path.Combine(repo, "snapshots", LocalHub.Commit);
        Assert.Equal(snapshot, result.SnapshotFolder);
        string[] expectedFiles = ["config.json", "merges.txt", "model.safetensors", "preprocessor_config.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.json"];
        Assert.Equal(expectedFiles, Directory.GetFileSystemEntries(snapshot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string file in expectedFiles)
        {
            // Each snapshot entry is a relative symlink to blobs/{etag}, as huggingface_hub makes them.
            var link = new FileInfo(Path.Combine(snapshot, file));
            Assert.Equal(Path.Combine("..", "..", "blobs", hub.EtagOf(file)), link.LinkTarget);
            Assert.Equal(File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "hf", file)), File.ReadAllBytes(link.FullName));
        }
        string weightsEtag = LocalHub.Sha256(File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "hf", "model.safetensors")));
        Assert.Equal(weightsEtag, hub.EtagOf("model.safetensors"));
        Assert.Equal(expectedFiles.Select(hub.EtagOf).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(repo, "blobs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // The LFS file came from the content host after the hub's redirect; HEADs carried Accept-Encoding: identity implicitly.
        Assert.Contains(hub.Requests, r => r.ContentHost && r.Method == "GET" && r.Path == $"/blobs/{weightsEtag}" && r.Status == 200);

        using var clip = Clip.Load(result.WeightsPath);
        AssertReproducesFixture(clip);
        Assert.Equal(32, clip.Preprocessor.Size);
    }

    [Fact]
    public void AnInterruptedTransferResumesWithARangeRequest()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        long size = new FileInfo(SharedFixtures.Fixture("models", "vit", "hf", "model.safetensors")).Length;
        string etag = hub.EtagOf("model.safetensors");
        hub.DropContentAfter = 5_000_000;

        var interrupted = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache)));
        Assert.Contains("model.safetensors", interrupted.Message);
        Assert.Contains("run the command again to resume", interrupted.Message);
        string partial = Path.Combine(RepoFolder(cache), "blobs", etag + ".incomplete");
        long kept = new FileInfo(partial).Length;
        Assert.Equal(5_000_000, kept);
        Assert.False(File.Exists(Path.Combine(RepoFolder(cache), "blobs", etag)));

        hub.DropContentAfter = null;
        var result = HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache));

        var contentGets = hub.Requests.Where(r => r.ContentHost && r.Method == "GET").ToList();
        Assert.Equal(2, contentGets.Count);
        Assert.Null(contentGets[0].Range);
        Assert.Equal(5_000_000, contentGets[0].BytesSent);
        Assert.Equal($"bytes={kept}-", contentGets[1].Range);
        Assert.Equal(206, contentGets[1].Status);
        Assert.Equal(size - kept, contentGets[1].BytesSent);
        Assert.Equal(size, contentGets.Sum(r => r.BytesSent));     // nothing sent twice
        Assert.False(File.Exists(partial));
        Assert.Equal(etag, LocalHub.Sha256(File.ReadAllBytes(result.WeightsPath)));
    }

    [Fact]
    public void AStalledTransferStopsAfterTheTimeoutKeepsItsBytesAndResumes()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        string etag = hub.EtagOf("model.safetensors");
        hub.StallContentAfter = 3_000_000;
        var settings = Settings(hub, cache) with { DownloadTimeout = TimeSpan.FromSeconds(1) };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stalled = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), settings));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"gave up only after {clock.Elapsed}");
        Assert.Contains("model.safetensors", stalled.Message);
        Assert.Contains("no data for 1 s", stalled.Message);
        Assert.Contains("run the command again to resume", stalled.Message);
        Assert.Equal(3_000_000, new FileInfo(Path.Combine(RepoFolder(cache), "blobs", etag + ".incomplete")).Length);

        hub.StallContentAfter = null;
        var result = HubDownload.Download(new DownloadRequest(Repo), settings);
        Assert.Equal($"bytes=3000000-", hub.Requests.Last(r => r.ContentHost && r.Method == "GET").Range);
        Assert.Equal(etag, LocalHub.Sha256(File.ReadAllBytes(result.WeightsPath)));
    }

    [Fact]
    public void AServerThatIgnoresTheRangeGetsTheWholeFileWrittenAfresh()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        long size = new FileInfo(SharedFixtures.Fixture("models", "vit", "hf", "model.safetensors")).Length;
        hub.DropContentAfter = 3_000_000;
        Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache)));

        hub.DropContentAfter = null;
        hub.IgnoreRange = true;
        var result = HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache));
        var retry = hub.Requests.Last(r => r.ContentHost);
        Assert.Equal("bytes=3000000-", retry.Range);
        Assert.Equal(200, retry.Status);
        Assert.Equal(size, retry.BytesSent);
        // Appending the whole file to the kept part would fail the size and sha256 checks; it was started over.
        Assert.Equal(hub.EtagOf("model.safetensors"), LocalHub.Sha256(File.ReadAllBytes(result.WeightsPath)));
    }

    [Fact]
    public void ContentThatFailsItsSha256IsAnErrorAndLeavesNothingInBlobs()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        hub.CorruptContent = true;
        string etag = hub.EtagOf("model.safetensors");

        var error = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache)));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains($"expected {etag}", error.Message);
        string blobs = Path.Combine(RepoFolder(cache), "blobs");
        Assert.DoesNotContain(Directory.GetFiles(blobs), f => Path.GetFileName(f).StartsWith(etag));
        Assert.False(File.Exists(Path.Combine(RepoFolder(cache), "snapshots", LocalHub.Commit, "model.safetensors")));
    }

    [Fact]
    public void OfflineModeLoadsFromTheCacheWithoutARequest()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache));
        int before = hub.Requests.Count;

        var offline = HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache, offline: true));
        Assert.Equal(LocalHub.Commit, offline.Commit);
        using var clip = Clip.Load(Repo, hub: Settings(hub, cache, offline: true));
        AssertReproducesFixture(clip);
        Assert.Equal(before, hub.Requests.Count);
    }

    [Fact]
    public void OfflineModeWithoutTheFilesIsAClearErrorAndMakesNoRequest()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        var error = Assert.Throws<ClipNetException>(() => Clip.Load(Repo, hub: Settings(hub, cache, offline: true)));
        Assert.Contains(Repo, error.Message);
        Assert.Contains("HF_HUB_OFFLINE", error.Message);
        Assert.Contains("not cached", error.Message);
        Assert.Empty(hub.Requests);

        // A snapshot whose weights are missing names what it lacks.
        string snapshot = Path.Combine(RepoFolder(cache), "snapshots", LocalHub.Commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(RepoFolder(cache), "refs"));
        File.WriteAllText(Path.Combine(RepoFolder(cache), "refs", "main"), LocalHub.Commit);
        var missing = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache, offline: true)));
        Assert.Contains(snapshot, missing.Message);
        Assert.Contains("model.safetensors", missing.Message);
        Assert.Empty(hub.Requests);
    }

    [Fact]
    public void TheTokenGoesToTheHubHostButNotToTheContentHost()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache, Token));

        var hubRequests = hub.Requests.Where(r => !r.ContentHost).ToList();
        var contentRequests = hub.Requests.Where(r => r.ContentHost).ToList();
        Assert.NotEmpty(contentRequests);
        Assert.True(hubRequests.Count >= 8);   // the listing and a HEAD per file, GETs of the small files
        Assert.All(hubRequests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
        Assert.All(contentRequests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public void ACacheLaidOutByHuggingFaceHubIsUsedWithoutARequest()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        // Written by hand the way huggingface_hub's hf_hub_download leaves it, not by our cache code.
        string repo = RepoFolder(cache);
        string snapshot = Path.Combine(repo, "snapshots", LocalHub.Commit);
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(repo, "refs", "main"), LocalHub.Commit);
        foreach (string file in Directory.GetFiles(SharedFixtures.Fixture("models", "vit", "hf")))
        {
            string etag = hub.EtagOf(Path.GetFileName(file));
            File.Copy(file, Path.Combine(repo, "blobs", etag));
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), $"../../blobs/{etag}");
        }

        using var clip = Clip.Load(Repo, hub: Settings(hub, cache));
        AssertReproducesFixture(clip);
        Assert.Equal(Path.Combine(snapshot, "model.safetensors"), clip.Source);
        Assert.Empty(hub.Requests);
    }

    [Fact]
    public void HubErrorsNameTheRepositoryOrTheFile()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var cache = new TempFolder();
        var missingRepo = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest("clipnet/nothing-here"), Settings(hub, cache)));
        Assert.Equal($"clipnet/nothing-here: repository not found on {hub.Endpoint}", missingRepo.Message);
        var missingRevision = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo, "v9"), Settings(hub, cache)));
        Assert.Contains("revision 'v9' not found", missingRevision.Message);

        hub.ForceStatus = 401;
        var gated = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache)));
        Assert.Contains("set HF_TOKEN", gated.Message);
        hub.ForceStatus = 403;
        var denied = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), Settings(hub, cache, token: "hf_x")));
        Assert.StartsWith($"{Repo}: access denied (403)", denied.Message);
        Assert.Contains("request it on the model's page", denied.Message);

        hub.ForceStatus = null;
        var noWeights = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo) { WeightFileChoices = ["open_clip_model.safetensors"] }, Settings(hub, cache)));
        Assert.Contains("no CLIP weights", noWeights.Message);

        using var client = new HubClient(Settings(hub, cache));
        var missingFile = Assert.Throws<ClipNetException>(() => client.Metadata(Repo, "main", "pytorch_model.bin"));
        Assert.Equal($"{Repo}: file 'pytorch_model.bin' not found at revision 'main'", missingFile.Message);
    }

    [Fact]
    public void AnUnreachableHubSuggestsOfflineMode()
    {
        using var cache = new TempFolder();
        // A port that was just free: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = new HubSettings { Endpoint = $"http://127.0.0.1:{port}", CacheRoot = cache.Path };
        var error = Assert.Throws<ClipNetException>(() => HubDownload.Download(new DownloadRequest(Repo), settings));
        Assert.Contains($"cannot reach http://127.0.0.1:{port}", error.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", error.Message);
    }
}
