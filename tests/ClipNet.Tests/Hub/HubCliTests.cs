using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using Xunit;

namespace ClipNet.Tests.Hub;

/// <summary>`clip download`, `clip models`, `clip cache list|verify` and a hub name as `--model`, against the local hub through HF_ENDPOINT.</summary>
public class HubCliTests
{
    static Dictionary<string, string> Environment(LocalHub hub, TempFolder home, string? token = null) => new()
    {
        ["HF_ENDPOINT"] = hub.Endpoint,
        ["HF_HOME"] = home.Path,
        ["HF_HUB_CACHE"] = Path.Combine(home.Path, "hub"),
        ["HF_TOKEN"] = token ?? "",
        ["HUGGING_FACE_HUB_TOKEN"] = "",
        ["HF_HUB_OFFLINE"] = "",
    };

    static void AssertCleanFailure(ClipProcess.Result result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public void DownloadFillsTheCacheAndTheModelIsUsableByName()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var home = new TempFolder();
        var env = Environment(hub, home);

        var download = ClipProcess.RunWith(env, "download", "clipnet/vit-tiny");
        Assert.True(download.ExitCode == 0, download.Error);
        string snapshot = Path.Combine(home.Path, "hub", "models--clipnet--vit-tiny", "snapshots", LocalHub.Commit);
        Assert.Equal(snapshot, download.Output.Trim().Split('\n')[^1]);
        Assert.Contains($"clipnet/vit-tiny@main is commit {LocalHub.Commit}: 7 files, 16.3 MB downloaded", download.Output);

        var again = ClipProcess.RunWith(env, "download", "clipnet/vit-tiny");
        Assert.Contains("all already in the cache", again.Output);

        int requests = hub.Requests.Count;
        var info = ClipProcess.RunWith(env, "info", "clipnet/vit-tiny");
        Assert.True(info.ExitCode == 0, info.Error);
        Assert.Contains("3,697,217", info.Output);
        Assert.Equal(requests, hub.Requests.Count);

        var list = ClipProcess.RunWith(env, "cache", "list");
        Assert.Contains("clipnet/vit-tiny", list.Output);
        Assert.Contains($"main → {LocalHub.Commit}", list.Output);
        Assert.Contains($"snapshot {LocalHub.Commit}: config.json, merges.txt, model.safetensors", list.Output);
        var verify = ClipProcess.RunWith(env, "cache", "verify");
        Assert.True(verify.ExitCode == 0, verify.Error);
        Assert.Contains("ok: 1 repositories", verify.Output);

        // A blob changed on disk is found by its hash.
        string blob = Path.Combine(home.Path, "hub", "models--clipnet--vit-tiny", "blobs", hub.EtagOf("config.json"));
        File.AppendAllText(blob, " ");
        var corrupt = ClipProcess.RunWith(env, "cache", "verify", "clipnet/vit-tiny");
        Assert.Contains($"{blob}: content hashes to", corrupt.Output);
        AssertCleanFailure(corrupt, "1 problem(s) in the cache");
    }

    [Fact]
    public void DownloadErrorsAreOneLine()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var home = new TempFolder();
        AssertCleanFailure(ClipProcess.RunWith(Environment(hub, home), "download", "clipnet/missing"),
            $"error: clipnet/missing: repository not found on {hub.Endpoint}");
        hub.ForceStatus = 401;
        AssertCleanFailure(ClipProcess.RunWith(Environment(hub, home), "download", "clipnet/vit-tiny"), "set HF_TOKEN");
        hub.ForceStatus = null;
        var offline = Environment(hub, home);
        offline["HF_HUB_OFFLINE"] = "1";
        AssertCleanFailure(ClipProcess.RunWith(offline, "embed", "--model", "clipnet/vit-tiny", "--text", "a cat", "--out", Path.Combine(home.Path, "e.safetensors")),
            "clipnet/vit-tiny: HF_HUB_OFFLINE is set and the model is not cached");
    }

    [Fact]
    public void ModelsListsPretrainedNamesAndMarksCachedOnes()
    {
        using var hub = LocalHub.ServingFixtureModel();
        using var home = new TempFolder();
        // ViT-B-32:openai laid into the cache as Python's open_clip leaves it: only the weights file.
        string repo = Path.Combine(home.Path, "hub", "models--timm--vit_base_patch32_clip_224.openai");
        string commit = new string('a', 40);
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(Path.Combine(repo, "snapshots", commit));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), commit);
        File.WriteAllText(Path.Combine(repo, "blobs", "b"), "weights");
        File.CreateSymbolicLink(Path.Combine(repo, "snapshots", commit, "open_clip_pytorch_model.bin"), "../../blobs/b");

        var result = ClipProcess.RunWith(Environment(hub, home), "models", "--cached");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ViT-B-32:openai", result.Output);
        Assert.DoesNotContain("RN50:openai", result.Output);
        var all = ClipProcess.RunWith(Environment(hub, home), "models");
        Assert.Contains("ViT-bigG-14:laion2b_s39b_b160k", all.Output);
        Assert.Contains("laion/CLIP-ViT-B-32-laion2B-s34B-b79K", all.Output);
    }
}
