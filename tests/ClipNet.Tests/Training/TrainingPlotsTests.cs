using System.Text.Json.Nodes;
using ClipNet.Reporting;
using ClipNet.Training;
using ClipNet.Vision;
using Xunit;

namespace ClipNet.Tests.Training;

public class TrainingPlotsTests
{
    [Fact]
    public void MetricsBecomeChartsWithText()
    {
        string folder = Directory.CreateTempSubdirectory("clipnet-plots-").FullName;
        try
        {
            string metrics = Path.Combine(folder, "metrics.jsonl");
            using (var log = new MetricsLog(metrics, 0))
                for (int step = 1; step <= 40; step++)
                {
                    log.Write(new JsonObject { ["step"] = step, ["loss"] = 4.0 / step, ["inverse_temperature"] = 14 + step * 0.1, ["lr"] = 1e-3 });
                    if (step % 20 == 0) log.Write(new JsonObject { ["step"] = step, ["epoch"] = step / 20, ["zero_shot_top1"] = step / 50.0 });
                }
            var files = TrainingPlots.Write(metrics, folder).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(["inverse_temperature.png", "loss.png", "lr.png", "validation.png"], files);
            Assert.True(File.Exists(PlotFonts.EnsureRegistered()));
            var image = ImageDecoder.Decode(Path.Combine(folder, "loss.png"));
            Assert.Equal((800, 500), (image.Width, image.Height));

            // The title is drawn above the data area: its band has dark glyph pixels, and the same band of a chart
            // without a title has none (without a usable font ScottPlot draws no text at all).
            Assert.True(DarkPixelsInTitleBand(image) > 50, $"only {DarkPixelsInTitleBand(image)} dark pixels where the title should be");
            var untitled = Charts.New();
            untitled.Add.Scatter(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 });
            string untitledPath = Charts.SavePng(untitled, Path.Combine(folder, "untitled.png"), 800, 500);
            Assert.Equal(0, DarkPixelsInTitleBand(ImageDecoder.Decode(untitledPath)));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    static int DarkPixelsInTitleBand(DecodedImage image)
    {
        int count = 0, bytesPerPixel = image.BytesPerPixel;
        for (int y = 0; y < 30; y++)
            for (int x = 250; x < 550; x++)
            {
                int offset = (y * image.Width + x) * bytesPerPixel;
                if (image.Pixels[offset] < 100 && image.Pixels[offset + 1] < 100 && image.Pixels[offset + 2] < 100) count++;
            }
        return count;
    }
}
