using ClipNet.IO;

namespace ClipNet.Reporting;

/// <summary>
/// Makes chart text render everywhere. SkiaSharp's dependency-free native build has no fontconfig, so it
/// finds no system font by name and would draw no text at all; this registers DejaVu Sans, embedded in the
/// library (free licence, `Fonts/LICENSE-DejaVu.txt`), with ScottPlot once, before the first chart.
/// </summary>
public static class PlotFonts
{
    const string FamilyName = "DejaVu Sans";
    const string Resource = "ClipNet.Reporting.Fonts.DejaVuSans.ttf";
    static readonly Lazy<string> registered = new(Register);

    /// <summary>Registers the font (once) and returns the file ScottPlot reads it from.</summary>
    public static string EnsureRegistered() => registered.Value;

    static string Register()
    {
        // ScottPlot loads fonts from files, so the embedded copy is written out once per process.
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"missing embedded font {Resource}");
        string path = Path.Combine(Path.GetTempPath(), $"clipnet-DejaVuSans-{Environment.ProcessId}.ttf");
        AtomicFile.Write(path, stream.CopyTo);
        ScottPlot.Fonts.AddFontFile(FamilyName, path);
        ScottPlot.Fonts.AddFontFile(FamilyName, path, bold: true);
        ScottPlot.Fonts.Default = FamilyName;
        return path;
    }
}
