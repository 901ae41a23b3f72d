using ClipNet.Hub;
using ClipNet.Tests.Checkpoints;
using Xunit;

namespace ClipNet.Tests.Hub;

/// <summary>open_clip's pretrained names and the other spellings of a model, resolved through the table in Hub/pretrained.json.</summary>
public class PretrainedNameTests
{
    // Expected repos and files as open_clip's pretrained.py lists them (hf_hub, HF_WEIGHTS_NAME, quick_gelu).
    [Theory]
    [InlineData("ViT-B-32:openai", "timm/vit_base_patch32_clip_224.openai", true, 224)]
    [InlineData("RN50:openai", "timm/resnet50_clip.openai", true, 224)]
    [InlineData("ViT-B-32:laion2b_s34b_b79k", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", false, 224)]
    [InlineData("ViT-L-14-336:openai", "timm/vit_large_patch14_clip_336.openai", true, 336)]
    [InlineData("ViT-H-14:laion2b_s32b_b79k", "laion/CLIP-ViT-H-14-laion2B-s32B-b79K", false, 224)]
    [InlineData("ViT-bigG-14:laion2b_s39b_b160k", "laion/CLIP-ViT-bigG-14-laion2B-39B-b160k", false, 224)]
    public void PretrainedNamesResolveToTheirRepoFileAndArchitecture(string name, string repo, bool quickGelu, int imageSize)
    {
        var (request, pretrained) = ModelReference.Parse(name)!.Value;
        Assert.Equal(repo, request.RepoId);
        Assert.Equal("main", request.Revision);
        Assert.Equal(["open_clip_model.safetensors", "open_clip_pytorch_model.bin"], request.WeightFileChoices!);
        Assert.NotNull(pretrained);
        Assert.Equal(quickGelu, pretrained.ClipConfig.QuickGelu);
        Assert.Equal(imageSize, pretrained.Preprocessor.Size);
    }

    [Fact]
    public void TagsFollowOpenClipsSpellingRulesAndOverrides()
    {
        // open_clip lower-cases tags and accepts '-' for '_'; laion2b_s32b_b82k normalises with the Inception mean/std.
        var (_, pretrained) = ModelReference.Parse("ViT-L-14:LAION2B-s32b-b82k")!.Value;
        Assert.Equal("laion/CLIP-ViT-L-14-laion2B-s32B-b82K", pretrained!.Repo);
        Assert.Equal([0.5f, 0.5f, 0.5f], pretrained.Preprocessor.Mean);
        Assert.Equal(1024, pretrained.ClipConfig.Vision.Width);
        Assert.False(pretrained.ClipConfig.QuickGelu);
    }

    [Fact]
    public void EveryTableEntryNamesABuiltInArchitecture()
    {
        // All nine OpenAI releases, as open_clip lists them.
        Assert.Equal(["RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336"],
            PretrainedModels.All.Where(p => p.Tag == "openai").Select(p => p.Architecture));
        foreach (var entry in PretrainedModels.All)
        {
            Assert.Matches(@"^[\w.-]+/[\w.-]+$", entry.Repo);
            Assert.Equal(entry.Config.EndsWith("-quickgelu"), entry.ClipConfig.QuickGelu);
        }
        Assert.Equal(PretrainedModels.All.Count, PretrainedModels.All.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void HubIdsAndOpenClipHubSpellingsParse()
    {
        var (plain, _) = ModelReference.Parse("openai/clip-vit-base-patch32")!.Value;
        Assert.Equal(("openai/clip-vit-base-patch32", "main"), (plain.RepoId, plain.Revision));
        Assert.Null(plain.WeightFileChoices);
        var (pinned, _) = ModelReference.Parse("openai/clip-vit-base-patch32@3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268")!.Value;
        Assert.Equal("3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268", pinned.Revision);
        var (openClip, _) = ModelReference.Parse("hf-hub:laion/CLIP-ViT-B-32-laion2B-s34B-b79K")!.Value;
        Assert.Equal("laion/CLIP-ViT-B-32-laion2B-s34B-b79K", openClip.RepoId);
        Assert.Equal("open_clip_model.safetensors", openClip.EffectiveWeightChoices[0]);
        Assert.Null(ModelReference.Parse("model.safetensors"));
    }

    [Fact]
    public void UnknownNamesSayWhatIsKnown()
    {
        var tag = Assert.Throws<ClipNetException>(() => ModelReference.Parse("ViT-B-32:laion9000"));
        Assert.Contains("laion2b_s34b_b79k", tag.Message);
        var arch = Assert.Throws<ClipNetException>(() => ModelReference.Parse("ViT-Q-99:openai"));
        Assert.Contains("ViT-B-32", arch.Message);
        var path = Assert.Throws<ClipNetException>(() => Clip.Load("no-such-model.safetensors"));
        Assert.StartsWith("no-such-model.safetensors: no such file or folder", path.Message);
    }

    [Fact]
    public void APretrainedNameDownloadsTheSafetensorsTwinThroughTheHubAndBuildsItsArchitecture()
    {
        // The local hub serves the fixture weights under the repo ViT-B-32:openai maps to, with both weight formats.
        string weights = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
        using var hub = new LocalHub("timm/vit_base_patch32_clip_224.openai", new Dictionary<string, string>
        {
            ["open_clip_model.safetensors"] = weights,
            ["open_clip_pytorch_model.bin"] = SharedFixtures.Fixture("models", "vit", "openai_state_dict.pt"),
            ["open_clip_config.json"] = SharedFixtures.Fixture("models", "vit", "open_clip_config.json"),
        });
        using var cache = new TempFolder();
        var location = ModelReference.Resolve("ViT-B-32:openai", new HubSettings { Endpoint = hub.Endpoint, CacheRoot = cache.Path });

        Assert.Equal(Path.Combine(cache.Path, "models--timm--vit_base_patch32_clip_224.openai", "snapshots", LocalHub.Commit, "open_clip_model.safetensors"), location.Path);
        Assert.Equal(File.ReadAllBytes(weights), File.ReadAllBytes(location.Path));
        Assert.DoesNotContain(hub.Requests, r => r.Path.EndsWith("open_clip_pytorch_model.bin"));
        Assert.Equal("ViT-B-32-quickgelu", location.Pretrained!.Config);
        Assert.Equal(768, location.Pretrained.ClipConfig.Vision.Width);
    }
}
