using System.Diagnostics;
using ClipNet.Checkpoints;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Cli;

/// <summary>
/// A `clip train` process killed mid-run resumes from its last checkpoint to the same final weights, in either precision.
/// The precision is pinned: `auto` times both on the first batch, so two runs of it may choose differently.
/// </summary>
public class TrainResumeAfterKillTests
{
    const string TinyArchitecture = """
        { "embed_dim": 16,
          "vision_cfg": { "image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16 },
          "text_cfg": { "context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1 } }
        """;

    [Theory]
    [InlineData("float32")]
    [InlineData("bfloat16")]
    public void KilledRunResumesToTheUninterruptedWeights(string precision)
    {
        using var folder = new Checkpoints.TempFolder();
        string architecture = folder.Write("tiny.json", System.Text.Encoding.UTF8.GetBytes(TinyArchitecture));
        string[] Args(string run) =>
        [
            "train", "--data", SharedFixtures.DataPath("photos-demo"), "--out", run, "--arch", architecture, "--epochs", "20",
            "--batch-size", "8", "--checkpoint-every", "1", "--workers", "1", "--seed", "5", "--warmup", "2", "--precision", precision,
        ];

        var straight = ClipProcess.Run(Args(folder.File("straight")));
        Assert.True(straight.ExitCode == 0, straight.Error);

        string interrupted = folder.File("interrupted");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (string arg in Args(interrupted)) start.ArgumentList.Add(arg);
        using (var process = Process.Start(start)!)
        {
            string third = Path.Combine(interrupted, "checkpoints", "step-0000003");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!Directory.Exists(third) && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.False(process.HasExited, "the run finished before it could be killed");
            process.Kill(entireProcessTree: true);   // SIGKILL: no chance to clean up
            process.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(interrupted, "model", "open_clip_model.safetensors")));

        var resumed = ClipProcess.Run([.. Args(interrupted), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);

        using var expected = SafeTensorsFile.Open(Path.Combine(folder.File("straight"), "model", "open_clip_model.safetensors"));
        using var actual = SafeTensorsFile.Open(Path.Combine(interrupted, "model", "open_clip_model.safetensors"));
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (string name in expected.Tensors.Keys)
            Assert.True(expected.ReadBytes(name).AsSpan().SequenceEqual(actual.ReadBytes(name)), $"{name} differs after kill and resume");
    }
}
