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

    public static string SavePng(Plot plot, string path, int width, int height)
    {
        AtomicFile.WriteVia(path, temporary => plot.SavePng(temporary, width, height));
        return path;
    }
}
