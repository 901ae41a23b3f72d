using ClipNet.IO;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;

namespace ClipNet.Evaluation;

/// <summary>
/// Writes evaluation results as JSON (for machines: raw fractions, snake_case keys) and Markdown (for people:
/// percentages and tables). Plots are rendered elsewhere from the same result records, which carry all their
/// data (confusion matrix, sweep points, per-query ranks); the Markdown embeds any figure paths it is given.
/// <c>about</c> describes the run (model, dataset, prompts): an <c>about</c> object in the JSON, a list under the Markdown title.
/// </summary>
public static class EvaluationReport
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Json(ClassificationResult result, IReadOnlyDictionary<string, string>? about = null)
    {
        var confusion = new JsonArray();
        for (int t = 0; t < result.ClassNames.Count; t++)
            confusion.Add(new JsonArray(Enumerable.Range(0, result.ClassNames.Count).Select(p => (JsonNode)result.ConfusionMatrix[t, p]).ToArray()));
        return WithAbout(new JsonObject
        {
            ["kind"] = "classification",
            ["samples"] = result.SampleCount,
            ["top1"] = Number(result.Top1),
            ["top5"] = Number(result.Top5),
            ["top_k"] = new JsonObject(result.TopKAccuracy.OrderBy(p => p.Key).Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), Number(p.Value)))),
            ["mean_per_class_accuracy"] = Number(result.MeanPerClassAccuracy),
            ["classes"] = new JsonArray(result.ClassNames.Select((name, c) => (JsonNode)new JsonObject
            {
                ["name"] = name,
                ["samples"] = result.PerClassCount[c],
                ["accuracy"] = Number(result.PerClassAccuracy[c]),
            }).ToArray()),
            ["confusion_matrix"] = confusion,
        }, about);
    }

    public static string Json(RetrievalResult result, IReadOnlyDictionary<string, string>? about = null) => WithAbout(new JsonObject
    {
        ["kind"] = "retrieval",
        ["images"] = result.ImageCount,
        ["texts"] = result.TextCount,
        ["image_to_text_recall"] = Recalls(result.ImageToTextRecall),
        ["text_to_image_recall"] = Recalls(result.TextToImageRecall),
    }, about);

    public static string Json(LinearProbeResult result, IReadOnlyDictionary<string, string>? about = null) => WithAbout(new JsonObject
    {
        ["kind"] = "linear_probe",
        ["chosen_c"] = result.Sweep.ChosenC,
        ["validation_accuracy"] = Number(result.Sweep.ValidationAccuracy),
        ["test_accuracy"] = Number(result.TestAccuracy),
        ["refit_on_train_and_validation"] = result.RefitOnTrainAndValidation,
        ["iterations"] = result.Iterations,
        ["converged"] = result.Converged,
        ["sweep"] = new JsonArray(result.Sweep.Points.Select(p => (JsonNode)new JsonObject
        {
            ["c"] = p.C,
            ["validation_accuracy"] = Number(p.ValidationAccuracy),
            ["stage"] = p.Refinement ? "refinement" : "coarse",
            ["iterations"] = p.Iterations,
            ["converged"] = p.Converged,
        }).ToArray()),
    }, about);

    public static string Markdown(ClassificationResult result, string title = "Zero-shot classification", IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null)
    {
        var md = Heading(title, about);
        md.Append($"| metric | value |\n| --- | ---: |\n| images | {result.SampleCount} |\n");
        foreach (var (k, accuracy) in result.TopKAccuracy.OrderBy(p => p.Key))
            md.Append($"| top-{k} accuracy | {Percent(accuracy)} |\n");
        md.Append($"| mean per-class accuracy | {Percent(result.MeanPerClassAccuracy)} |\n");

        md.Append("\n## Per class\n\n| class | images | top-1 accuracy |\n| --- | ---: | ---: |\n");
        for (int c = 0; c < result.ClassNames.Count; c++)
            md.Append($"| {Cell(result.ClassNames[c])} | {result.PerClassCount[c]} | {Percent(result.PerClassAccuracy[c])} |\n");

        md.Append("\n## Confusion matrix\n\nRows are the true class, columns the predicted (top-1) class.\n\n| true \\ predicted |");
        foreach (var name in result.ClassNames) md.Append($" {Cell(name)} |");
        md.Append("\n| --- |").Append(string.Concat(result.ClassNames.Select(_ => " ---: |"))).Append('\n');
        for (int t = 0; t < result.ClassNames.Count; t++)
        {
            md.Append($"| {Cell(result.ClassNames[t])} |");
            for (int p = 0; p < result.ClassNames.Count; p++) md.Append($" {result.ConfusionMatrix[t, p]} |");
            md.Append('\n');
        }
        return AppendFigures(md, figures);
    }

    public static string Markdown(RetrievalResult result, string title = "Image–text retrieval", IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null)
    {
        var md = Heading(title, about);
        md.Append($"{result.ImageCount} images, {result.TextCount} captions.\n\n");
        md.Append("| K | image → text recall@K | text → image recall@K |\n| ---: | ---: | ---: |\n");
        foreach (var k in result.ImageToTextRecall.Keys.Union(result.TextToImageRecall.Keys).Order())
            md.Append($"| {k} | {Percent(result.ImageToTextRecall.GetValueOrDefault(k, double.NaN))} | {Percent(result.TextToImageRecall.GetValueOrDefault(k, double.NaN))} |\n");
        return AppendFigures(md, figures);
    }

    public static string Markdown(LinearProbeResult result, string title = "Linear probe", IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null)
    {
        var md = Heading(title, about);
        md.Append("| metric | value |\n| --- | ---: |\n");
        md.Append($"| chosen C | {C(result.Sweep.ChosenC)} |\n");
        md.Append($"| validation accuracy | {Percent(result.Sweep.ValidationAccuracy)} |\n");
        md.Append($"| test accuracy | {Percent(result.TestAccuracy)} |\n\n");
        md.Append(result.RefitOnTrainAndValidation
            ? "The final probe was fitted on the train and validation rows together at the chosen C.\n"
            : "The final probe was fitted on the train rows at the chosen C.\n");
        int unconverged = result.Sweep.Points.Count(p => !p.Converged) + (result.Converged ? 0 : 1);
        if (unconverged > 0)
            md.Append($"\n**{unconverged} fit(s) stopped at the L-BFGS iteration limit** (scikit-learn would warn that they did not converge); " +
                "their coefficients may be off the optimum. A higher `--max-iterations` lets them finish.\n");
        md.Append("\n## C sweep\n\n| C | validation accuracy | stage | L-BFGS iterations |\n| ---: | ---: | --- | ---: |\n");
        foreach (var point in result.Sweep.Points)
        {
            string stage = (point.Refinement ? "refinement" : "coarse") + (point.C == result.Sweep.ChosenC ? " (chosen)" : "");
            string iterations = point.Iterations + (point.Converged ? "" : " (limit)");
            md.Append($"| {C(point.C)} | {Percent(point.ValidationAccuracy)} | {stage} | {iterations} |\n");
        }
        return AppendFigures(md, figures);
    }

    /// <summary>Writes <c>name.json</c> and <c>name.md</c> into <paramref name="directory"/> (created if needed) and returns their paths.</summary>
    public static (string JsonPath, string MarkdownPath) Write(string directory, string name, ClassificationResult result, IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null) =>
        WriteFiles(directory, name, Json(result, about), Markdown(result, figures: figures, about: about));

    public static (string JsonPath, string MarkdownPath) Write(string directory, string name, RetrievalResult result, IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null) =>
        WriteFiles(directory, name, Json(result, about), Markdown(result, figures: figures, about: about));

    public static (string JsonPath, string MarkdownPath) Write(string directory, string name, LinearProbeResult result, IReadOnlyList<string>? figures = null,
        IReadOnlyDictionary<string, string>? about = null) =>
        WriteFiles(directory, name, Json(result, about), Markdown(result, figures: figures, about: about));

    static (string, string) WriteFiles(string directory, string name, string json, string markdown)
    {
        string jsonPath = Path.Combine(directory, name + ".json"), markdownPath = Path.Combine(directory, name + ".md");
        try
        {
            Directory.CreateDirectory(directory);
            AtomicFile.WriteAllText(jsonPath, json + "\n");
            AtomicFile.WriteAllText(markdownPath, markdown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"Could not write the evaluation report {name} into {directory}: {e.Message}", e);
        }
        return (jsonPath, markdownPath);
    }

    static string WithAbout(JsonObject report, IReadOnlyDictionary<string, string>? about)
    {
        if (about is not null) report.Insert(1, "about", new JsonObject(about.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))));
        return report.ToJsonString(Indented);
    }

    static StringBuilder Heading(string title, IReadOnlyDictionary<string, string>? about)
    {
        var md = new StringBuilder($"# {title}\n\n");
        if (about is { Count: > 0 })
        {
            foreach (var (key, value) in about) md.Append($"- {key}: {value}\n");
            md.Append('\n');
        }
        return md;
    }

    static JsonObject Recalls(IReadOnlyDictionary<int, double> recall) =>
        new(recall.OrderBy(p => p.Key).Select(p => KeyValuePair.Create($"recall@{p.Key}", Number(p.Value))));

    /// <summary>JSON has no NaN: an undefined accuracy (a class without rows) becomes null.</summary>
    static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + " %" : "–";

    static string C(double c) => c.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>A pipe or line break in a class name would otherwise break the table row.</summary>
    static string Cell(string text) => text.Replace("|", "\\|").Replace('\n', ' ').Replace('\r', ' ');

    static string AppendFigures(StringBuilder md, IReadOnlyList<string>? figures)
    {
        if (figures is { Count: > 0 })
        {
            md.Append("\n## Figures\n\n");
            foreach (var figure in figures) md.Append($"![{Path.GetFileNameWithoutExtension(figure)}]({figure})\n");
        }
        return md.ToString();
    }
}

/// <summary>The files of one evaluation report: JSON for machines, Markdown for people, and the figures it shows.</summary>
public sealed record ReportFiles(string Json, string Markdown, IReadOnlyList<string> Figures);
