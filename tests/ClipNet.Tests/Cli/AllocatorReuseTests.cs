using System.Text.RegularExpressions;
using ClipNet.Checkpoints;
using ClipNet.Model;
using ClipNet.SafeTensors;
using ClipNet.Vision;
using TorchSharp;
using Xunit;

namespace ClipNet.Tests.Cli;

/// <summary>
/// The `clip` command sets glibc's malloc up to reuse large blocks (ClipNet.IO.NativeMemory), so a batch's big
/// activations are faulted in once, not again on every batch. Checked by the page faults the command reports under
/// CLIPNET_DEBUG, against the same run with the allocator left at glibc's defaults (any glibc.malloc tunable does that).
/// </summary>
public class AllocatorReuseTests
{
    const int Batches = 8, BatchSize = 32;

    [Fact]
    public void BatchesAfterTheFirstReuseTheirActivationsInsteadOfFaultingThemIn()
    {
        using var folder = new Checkpoints.TempFolder();
        string model = WideOneLayerModel(folder);
        string image = Path.Combine(SharedFixtures.DataPath("photos-demo"), "images", "coffee.png");
        string[] args = ["embed", "--model", model, "--out", folder.File("e.safetensors"), .. Enumerable.Repeat(new[] { "--image", image }, Batches * BatchSize).SelectMany(a => a)];

        long reused = MinorFaults(ClipProcess.RunWith(new Dictionary<string, string> { ["CLIPNET_DEBUG"] = "1" }, args), "glibc malloc: one arena");
        long fresh = MinorFaults(ClipProcess.RunWith(new Dictionary<string, string> { ["CLIPNET_DEBUG"] = "1", ["GLIBC_TUNABLES"] = "glibc.malloc.perturb=0" }, args), "left to GLIBC_TUNABLES");

        // Each batch's MLP activation is 32 × 197 × 3072 floats = 77 MB (19k pages), above glibc's largest mmap
        // threshold: by default every batch maps it afresh, so the eight batches fault about 8× what reuse does.
        Assert.True(reused < fresh / 2, $"with reuse the command took {reused} minor page faults; with glibc's defaults {fresh}");
    }

    /// <summary>Random weights of a one-layer ViT-B/16-wide image tower (big activations, little compute) and a tiny text tower.</summary>
    static string WideOneLayerModel(Checkpoints.TempFolder folder)
    {
        var config = new ClipConfig
        {
            EmbedDim = 64,
            Vision = new VisionConfig { ImageSize = 224, PatchSize = 16, Width = 768, Layers = 1, HeadWidth = 64 },
            Text = new TextConfig { Width = 64, Heads = 1, Layers = 1 },
        };
        string path = folder.File("wide.safetensors");
        using var scope = torch.NewDisposeScope();
        using var random = new ClipModel(config);
        var metadata = new Dictionary<string, string> { [OpenClipConfigFile.MetadataKey] = OpenClipConfigFile.ToJson(config, new ImagePreprocessor(224)).ToJsonString() };
        SafeTensorsWriter.Write(path, random.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.contiguous()), metadata);
        return path;
    }

    static long MinorFaults(ClipProcess.Result run, string allocator)
    {
        Assert.True(run.ExitCode == 0, run.Error);
        var debug = Regex.Match(run.Error, @"debug: peak resident \d+ MB, (\d+) minor page faults, allocator: (.*)");
        Assert.True(debug.Success, $"no debug line in: {run.Error}");
        Assert.StartsWith(allocator, debug.Groups[2].Value);
        return long.Parse(debug.Groups[1].Value);
    }
}
