using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Reporting;
using ScottPlot;
using static TorchSharp.torch;
using ClipNet.IO;

namespace ClipNet.Training;

/// <summary>
/// The quickstart's report folder: training curves, a similarity heatmap of held-out images against the
/// prompts of their classes, a page of text→image retrievals, and `summary.json`.
/// </summary>
public static class QuickstartReport
{
    const int HeatmapClasses = 6;
    const int RetrievalsPerQuery = 5;

    public static void Write(QuickstartResult result, Clip clip, ZeroShotEvaluationSet heldOut, Tensor heldOutPixels, string metricsPath)
    {
        string directory = result.ReportDirectory;
        Directory.CreateDirectory(Path.Combine(directory, "images"));
        var plots = TrainingPlots.Write(metricsPath, directory);

        // One image per held-out class, against every held-out class's prompt: a good model lights up the diagonal.
        var classes = heldOut.Labels.Distinct().Take(HeatmapClasses).ToList();
        var picks = classes.Select(c => heldOut.Labels.ToList().IndexOf(c)).ToList();
        var prompts = classes.Select(c => $"a photo of a {heldOut.ClassNames[c]}").ToList();
        using var allImages = clip.EncodePixels(heldOutPixels);
        using var promptEmbeddings = clip.EncodeTexts(prompts);
        using var pickedImages = allImages.index_select(0, tensor(picks.Select(i => (long)i).ToArray()));
        using var similarity = Clip.Similarity(pickedImages, promptEmbeddings);
        WriteHeatmap(similarity, classes.Select(c => heldOut.ClassNames[c]).ToList(), picks.Select(i => heldOut.Samples[i].Caption).ToList(),
            Path.Combine(directory, "similarity.png"));

        using var scores = Clip.Similarity(promptEmbeddings, allImages);
        var page = new StringBuilder();
        page.Append($$"""
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>ClipNet quickstart</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:70em} img.scene{width:80px;height:80px;image-rendering:pixelated;border:3px solid #ccc}
            img.hit{border-color:#2a2} img.miss{border-color:#c22} figure{display:inline-block;margin:4px;text-align:center;font-size:80%} img.plot{max-width:45%}</style></head><body>
            <h1>ClipNet quickstart</h1>
            <p>A {{clip.Model.Config.Vision.Width}}-wide ViT CLIP trained from scratch for {{result.Steps}} steps ({{result.Duration.TotalMinutes:F1}} min) on generated scenes.
            Zero-shot top-1 accuracy on colour–shape pairs <b>never seen in training</b>: <b>{{result.HeldOutAccuracy:P1}}</b>
            (before training {{result.UntrainedHeldOutAccuracy:P1}}; chance {{result.ChanceAccuracy:P1}}); on seen pairs: {{result.SeenAccuracy:P1}}.</p>
            <h2>Text → image retrieval over held-out images</h2>
            """);
        for (int q = 0; q < prompts.Count; q++)
        {
            page.Append($"<h3>“{WebUtility.HtmlEncode(prompts[q])}”</h3>");
            var (values, indices) = scores[q].topk(RetrievalsPerQuery);
            for (int k = 0; k < RetrievalsPerQuery; k++)
            {
                int index = (int)indices[k].item<long>();
                string file = $"images/heldout-{index}.png";
                ScenePng.Save(heldOut.Samples[index], Path.Combine(directory, file));
                string verdict = heldOut.Labels[index] == classes[q] ? "hit" : "miss";
                page.Append($"<figure><img class=\"scene {verdict}\" src=\"{file}\" title=\"{WebUtility.HtmlEncode(heldOut.Samples[index].Caption)}\">" +
                            $"<figcaption>{values[k].item<float>().ToString("F3", CultureInfo.InvariantCulture)}</figcaption></figure>");
            }
        }
        page.Append("<h2>Similarity of held-out images and prompts</h2><img class=\"plot\" src=\"similarity.png\">");
        page.Append("<h2>Training</h2>");
        foreach (string plot in plots) page.Append($"<img class=\"plot\" src=\"{Path.GetFileName(plot)}\">");
        page.Append("</body></html>");
        AtomicFile.WriteAllText(Path.Combine(directory, "index.html"), page.ToString());

        var summary = new JsonObject
        {
            ["zero_shot_held_out_top1"] = result.HeldOutAccuracy,
            ["zero_shot_seen_top1"] = result.SeenAccuracy,
            ["zero_shot_held_out_top1_untrained"] = result.UntrainedHeldOutAccuracy,
            ["chance"] = result.ChanceAccuracy,
            ["steps"] = result.Steps,
            ["seconds"] = result.Duration.TotalSeconds,
            ["model"] = Path.GetFullPath(result.ModelDirectory),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    static void WriteHeatmap(Tensor similarity, IReadOnlyList<string> columns, IReadOnlyList<string> rows, string path)
    {
        int n = (int)similarity.shape[0], m = (int)similarity.shape[1];
        var values = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) values[i, j] = similarity[i, j].item<float>();
        var plot = Charts.New();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, m).Select(j => (double)j).ToArray(), columns.ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray(), rows.ToArray());
        plot.Title("cosine similarity: held-out images (rows) × \"a photo of a …\" prompts (columns)");
        Charts.SavePng(plot, path, 1000, 700);
    }
}
