namespace ClipNet.Bench;

/// <summary>Puts the run's table into BENCHMARKS.md between its generated-table markers; the prose around it stays.</summary>
static class BenchmarksFile
{
    const string Begin = "<!-- bench:begin (written by bench/ClipNet.Bench; do not edit by hand) -->";
    const string End = "<!-- bench:end -->";

    public static void ReplaceTable(string table)
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
        Console.WriteLine($"updated {path}");
    }
}
