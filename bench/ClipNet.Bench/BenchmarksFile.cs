using System.Diagnostics;
using System.Text;

namespace ClipNet.Bench;

/// <summary>
/// The run's table. Each row is printed as it is measured and the table so far is written into BENCHMARKS.md
/// at once (marked unfinished), so a run cut short on a busy machine still leaves what it measured.
/// </summary>
sealed class BenchTable(string machine, bool updatesFile = true)
{
    readonly List<(string What, string Result)> rows = [];
    readonly Stopwatch clock = Stopwatch.StartNew();
    /// <summary>How busy the machine was while the table was being measured (its last row).</summary>
    public MachineLoad Load { get; } = new();

    public void Add((string What, string Result) row)
    {
        rows.Add(row);
        Console.WriteLine($"| {row.What} | {row.Result} |");
        if (updatesFile) BenchmarksFile.ReplaceTable(Render(finished: false), quiet: true);
    }

    public void Finish()
    {
        Add(Load.Row());
        Add(("peak resident memory of the bench process (VmHWM; child processes apart)", MachineLoad.PeakResident()));
        if (updatesFile) BenchmarksFile.ReplaceTable(Render(finished: true), quiet: false);
    }

    string Render(bool finished)
    {
        var table = new StringBuilder();
        table.AppendLine($"Machine: {machine}. " + (finished
            ? $"Run took {clock.Elapsed.TotalMinutes:F1} min, finished {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC."
            : $"UNFINISHED run: {rows.Count} rows after {clock.Elapsed.TotalMinutes:F1} min, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC."));
        table.AppendLine().AppendLine("| measurement | result |").AppendLine("| --- | --- |");
        foreach (var (what, result) in rows) table.AppendLine($"| {what} | {result} |");
        return table.ToString();
    }
}

/// <summary>Puts the run's table into BENCHMARKS.md between its generated-table markers; the prose around it stays.</summary>
static class BenchmarksFile
{
    const string Begin = "<!-- bench:begin (written by bench/ClipNet.Bench; do not edit by hand) -->";
    const string End = "<!-- bench:end -->";

    public static void ReplaceTable(string table, bool quiet)
    {
        var folder = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ClipNet.sln"))) folder = folder.Parent;
        if (folder is null) { Console.Error.WriteLine("BENCHMARKS.md not updated: no ClipNet.sln above the current folder"); return; }
        string path = Path.Combine(folder.FullName, "BENCHMARKS.md");
        string text = File.ReadAllText(path);
        int begin = text.IndexOf(Begin, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin) { Console.Error.WriteLine($"{path} not updated: its generated-table markers are missing"); return; }
        string updated = text[..(begin + Begin.Length)] + "\n" + table + text[end..];
        ClipNet.IO.AtomicFile.WriteAllText(path, updated);
        if (!quiet) Console.WriteLine($"updated {path}");
    }
}
