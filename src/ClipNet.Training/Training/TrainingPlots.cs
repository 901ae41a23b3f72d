using System.Text.Json.Nodes;
using ClipNet.Reporting;
using ScottPlot;

namespace ClipNet.Training;

/// <summary>
/// PNG charts of a run's metrics log: loss, temperature and learning rate over steps, and every validation
/// metric (zero-shot accuracy, recall@K) over steps. Returns the files written.
/// </summary>
public static class TrainingPlots
{
    static readonly string[] StepSeries = ["loss", "inverse_temperature", "lr"];

    public static IReadOnlyList<string> Write(string metricsPath, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var records = MetricsLog.Read(metricsPath).ToList();
        var stepRecords = records.Where(r => r["loss"] is not null).ToList();
        // Neither a step nor an evaluation: the record of the precision `auto` chose.
        var evalRecords = records.Where(r => r["loss"] is null && r["precision"] is null).ToList();
        var written = new List<string>();

        foreach (string series in StepSeries)
        {
            var points = Points(stepRecords, series);
            if (points.Count == 0) continue;
            string title = series switch { "loss" => "Training loss", "inverse_temperature" => "Inverse temperature 1/τ = exp(logit_scale)", _ => "Learning rate" };
            written.Add(Save(outputDirectory, series, title, [(series, points)], smooth: series == "loss"));
        }

        var evalKeys = evalRecords.SelectMany(r => r.Select(kv => kv.Key)).Distinct().Where(k => k is not ("step" or "epoch")).ToList();
        if (evalKeys.Count > 0)
            written.Add(Save(outputDirectory, "validation", "Validation", evalKeys.Select(k => (k, Points(evalRecords, k))).ToList(), smooth: false));
        return written;
    }

    static List<(double Step, double Value)> Points(List<JsonObject> records, string key) =>
        records.Where(r => r[key] is not null).Select(r => ((double)r["step"]!, (double)r[key]!)).ToList();

    static string Save(string directory, string name, string title, List<(string Label, List<(double Step, double Value)> Points)> series, bool smooth)
    {
        var plot = Charts.New();
        foreach (var (label, points) in series)
        {
            var xs = points.Select(p => p.Step).ToArray();
            var ys = points.Select(p => p.Value).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = label;
            line.MarkerSize = points.Count > 50 ? 0 : 5;
            if (smooth && ys.Length > 20)
            {
                line.LineWidth = 1;
                line.Color = line.Color.WithAlpha(0.35);
                var average = plot.Add.Scatter(xs, MovingAverage(ys, Math.Max(5, ys.Length / 30)));
                average.LegendText = $"{label} (moving average)";
                average.MarkerSize = 0;
                average.LineWidth = 2;
            }
        }
        plot.Title(title);
        plot.XLabel("step");
        if (series.Count > 1 || smooth) plot.ShowLegend();
        string path = Path.Combine(directory, name + ".png");
        Charts.SavePng(plot, path, 800, 500);
        return path;
    }

    static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
