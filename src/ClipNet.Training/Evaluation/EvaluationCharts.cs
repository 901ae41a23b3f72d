using System.Globalization;
using ClipNet.Reporting;
using ScottPlot;

namespace ClipNet.Evaluation;

/// <summary>The figures of the evaluation reports, drawn from the same result records the JSON is written from.</summary>
public static class EvaluationCharts
{
    /// <summary>Beyond this many classes names and counts would overlap, so the axes and cells go unlabelled.</summary>
    const int MaxLabelledClasses = 40;

    /// <summary>
    /// Colour is the fraction of each true class (row) predicted as each class (column), so classes of
    /// different sizes read alike; each cell is labelled with its image count.
    /// </summary>
    public static string ConfusionMatrix(ClassificationResult result, string path)
    {
        int n = result.ClassNames.Count;
        var fractions = new double[n, n];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
                fractions[t, p] = result.PerClassCount[t] == 0 ? double.NaN : result.ConfusionMatrix[t, p] / (double)result.PerClassCount[t];
        var plot = Heatmap(fractions, result.ClassNames, result.ClassNames, "fraction of the true class",
            n <= MaxLabelledClasses ? (t, p) => result.ConfusionMatrix[t, p].ToString(CultureInfo.InvariantCulture) : null);
        plot.Title($"confusion matrix: {result.SampleCount} images, top-1 {result.Top1:P1}");
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        int side = Math.Clamp(250 + 45 * n, 600, 2400);
        return Charts.SavePng(plot, path, side + 150, side);
    }

    /// <summary>Cosine similarity of every image (row) with every text (column).</summary>
    public static string Similarity(float[,] similarity, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string path)
    {
        int rows = similarity.GetLength(0), columns = similarity.GetLength(1);
        var values = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) values[i, j] = similarity[i, j];
        var plot = Heatmap(values, rowLabels, columnLabels, "cosine similarity", (i, j) => similarity[i, j].ToString("F3", CultureInfo.InvariantCulture));
        plot.Title("cosine similarity: images (rows) × texts (columns)");
        return Charts.SavePng(plot, path, Math.Clamp(300 + 110 * columns, 600, 2400), Math.Clamp(250 + 60 * rows, 400, 2400));
    }

    /// <summary>Validation accuracy against C on a log axis, the chosen C marked.</summary>
    public static string LinearProbeSweep(LinearProbeSweepResult sweep, string path)
    {
        var plot = Charts.New();
        var curve = plot.Add.Scatter(sweep.Points.Select(p => Math.Log10(p.C)).ToArray(), sweep.Points.Select(p => p.ValidationAccuracy).ToArray());
        curve.LegendText = "validation accuracy";
        var chosen = plot.Add.Marker(Math.Log10(sweep.ChosenC), sweep.ValidationAccuracy, MarkerShape.OpenCircle, 16, Colors.Red);
        chosen.LegendText = $"chosen C = {sweep.ChosenC:G3}";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = exponent => $"1e{exponent:0}",
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        };
        plot.Title("linear probe: validation accuracy against the regularisation C");
        plot.XLabel("C (log scale)");
        plot.YLabel("validation accuracy");
        plot.ShowLegend();
        return Charts.SavePng(plot, path, 800, 500);
    }

    /// <summary>
    /// Recall@K for every K up to 50 (or the number of candidates), both directions, read off the stored
    /// ranks; the reported K values are marked.
    /// </summary>
    public static string RecallCurves(RetrievalResult result, string path)
    {
        var plot = Charts.New();
        void Curve(IReadOnlyList<int> ranks, int candidates, IReadOnlyDictionary<int, double> reported, string label)
        {
            var ks = Enumerable.Range(1, Math.Min(candidates, 50)).ToArray();
            var curve = plot.Add.Scatter(ks.Select(k => (double)k).ToArray(), ks.Select(k => Ranking.Recall(ranks, k)).ToArray());
            curve.LegendText = $"{label} ({ranks.Count} queries)";
            curve.MarkerSize = 0;
            curve.LineWidth = 2;
            foreach (var (k, recall) in reported.Where(r => r.Key <= ks.Length))
            {
                plot.Add.Marker(k, recall, MarkerShape.FilledCircle, 8, curve.Color);
                var text = plot.Add.Text($"R@{k} {recall:P1}", k, recall);
                text.LabelFontSize = 11;
                text.LabelFontColor = curve.Color;
                text.LabelAlignment = Alignment.UpperLeft;
            }
        }
        Curve(result.ImageToTextRanks, result.TextCount, result.ImageToTextRecall, "image → text");
        Curve(result.TextToImageRanks, result.ImageCount, result.TextToImageRecall, "text → image");
        plot.Axes.SetLimitsY(0, 1.05);
        plot.Title($"retrieval recall@K: {result.ImageCount} images, {result.TextCount} captions");
        plot.XLabel("K (candidates returned)");
        plot.YLabel("recall@K");
        plot.ShowLegend(Alignment.LowerRight);
        return Charts.SavePng(plot, path, 800, 500);
    }

    /// <summary>Row 0 at the top, as a matrix is read; <paramref name="cellText"/> (row, column) labels the cells.</summary>
    static Plot Heatmap(double[,] values, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, string scale, Func<int, int, string>? cellText)
    {
        int rows = values.GetLength(0), columns = values.GetLength(1);
        var plot = Charts.New();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap).Label = scale;
        plot.Axes.Margins(0, 0);
        if (Math.Max(rows, columns) <= MaxLabelledClasses)
        {
            var shortColumns = columnLabels.Select(Shorten).ToArray();
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(j => (double)j).ToArray(), shortColumns);
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(i => (double)(rows - 1 - i)).ToArray(), rowLabels.Select(Shorten).ToArray());
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            // ScottPlot sizes the axis for unrotated labels; rotated ones need room for their slanted length.
            plot.Axes.Bottom.MinimumSize = 40 + 4 * shortColumns.Max(l => l.Length);
        }
        if (cellText is not null)
        {
            var finite = values.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
            double low = finite.Min(), range = Math.Max(finite.Max() - low, 1e-12);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++)
                {
                    var label = plot.Add.Text(cellText(i, j), j, rows - 1 - i);
                    label.LabelAlignment = Alignment.MiddleCenter;
                    label.LabelFontSize = 11;
                    // Viridis runs from dark purple to bright yellow: dark text on the bright end.
                    label.LabelFontColor = (values[i, j] - low) / range > 0.6 ? Colors.Black : Colors.White;
                }
        }
        return plot;
    }

    /// <summary>Long captions and paths would squeeze the matrix off the figure.</summary>
    static string Shorten(string label) => label.Length <= 32 ? label : label[..30] + "…";
}
