using System.Text.Json.Nodes;
using ClipNet.Training;
using Xunit;

namespace ClipNet.Tests.Training.Quickstart;

/// <summary>A miniature quickstart: the whole pipeline runs and writes a complete report and a loadable model.</summary>
public class QuickstartRunTests
{
    [Fact]
    public void ShortRunWritesReportAndLoadableModel()
    {
        string output = Directory.CreateTempSubdirectory("clipnet-quickstart-").FullName;
        try
        {
            var options = new QuickstartOptions { OutputDirectory = output, TrainingScenes = 512, Epochs = 2, EvaluationImages = 60 };
            var messages = new List<string>();
            var result = QuickstartRun.Run(options, log: messages.Add);

            Assert.Equal(8, result.Steps);
            Assert.Equal(1.0 / 30, result.ChanceAccuracy, 9);
            Assert.InRange(result.HeldOutAccuracy, 0, 1);
            foreach (string file in new[] { "index.html", "similarity.png", "loss.png", "validation.png", "summary.json" })
                Assert.True(File.Exists(Path.Combine(result.ReportDirectory, file)), $"missing {file}");
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(result.ReportDirectory, "summary.json")))!;
            Assert.Equal(result.HeldOutAccuracy, (double)summary["zero_shot_held_out_top1"]!);
            Assert.Contains("images/heldout-", File.ReadAllText(Path.Combine(result.ReportDirectory, "index.html")));
            Assert.Contains(messages, m => m.Contains("before training"));

            var scenes = Directory.GetFiles(result.ScenesDirectory).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(60, scenes.Count);
            Assert.Matches(@"^0000-a-[a-z-]+\.png$", scenes[0]);

            using var reloaded = Clip.Load(result.ModelDirectory);
            Assert.Equal(32, reloaded.Preprocessor.Size);
        }
        finally { Directory.Delete(output, recursive: true); }
    }
}
