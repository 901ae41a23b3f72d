using ScottPlot;
using ClipNet.IO;

namespace ClipNet.Reporting;

/// <summary>Creates and saves ScottPlot charts with fonts registered and files written atomically.</summary>
public static class Charts
{
    public static Plot New()
    {
        PlotFonts.EnsureRegistered();
        return new Plot();
    }

    /// <summary>Saves into <paramref name="path"/>'s folder, created if needed: a chart is one file of a report folder.</summary>
    public static string SavePng(Plot plot, string path, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteVia(path, temporary => plot.SavePng(temporary, width, height));
        return path;
    }
}
