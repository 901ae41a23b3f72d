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

            // The title is drawn above the data area: the rows of its band hold scattered dark glyph pixels, and the
            // same band of a chart without a title holds none, only the frame's line (without a usable font ScottPlot
            // draws no text at all).
            Assert.True(TextRowsInTitleBand(image) >= 6, $"only {TextRowsInTitleBand(image)} rows of glyphs where the title should be");
            var untitled = Charts.New();
            untitled.Add.Scatter(new double[] { 1, 2, 3 }, new double[] { 3, 1, 2 });
            string untitledPath = Charts.SavePng(untitled, Path.Combine(folder, "untitled.png"), 800, 500);
            Assert.Equal(0, TextRowsInTitleBand(ImageDecoder.Decode(untitledPath)));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>Rows of the top band, centre 300 px, with some dark pixels but not a solid line across.</summary>
    static int TextRowsInTitleBand(DecodedImage image)
    {
        int rows = 0, bytesPerPixel = image.BytesPerPixel;
        for (int y = 0; y < 40; y++)
        {
            int dark = 0;
            for (int x = 250; x < 550; x++)
            {
                int offset = (y * image.Width + x) * bytesPerPixel;
                if (image.Pixels[offset] < 100 && image.Pixels[offset + 1] < 100 && image.Pixels[offset + 2] < 100) dark++;
            }
            if (dark > 0 && dark < 200) rows++;
        }
        return rows;
    }
}
