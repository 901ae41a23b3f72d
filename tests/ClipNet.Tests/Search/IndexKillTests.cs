using System.Diagnostics;
using System.Text.RegularExpressions;
using ClipNet.Search;
using ClipNet.Tests.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;
using Xunit;

namespace ClipNet.Tests.Search;

/// <summary>
/// A `clip index` process killed (SIGKILL) at several moments loses at most the batch it was committing;
/// rerun, it embeds exactly the files not yet committed and ends with the index one clean run makes.
/// </summary>
public partial class IndexKillTests
{
    const int CommitEvery = 4;

    [Fact]
    public void KilledRunsResumeToTheIndexOfOneCleanRun()
    {
        using var library = new PhotoLibrary();
        // 16 photos and 64 distinct variants (crops and sizes), so the run lasts long enough to be killed in the middle.
        foreach (string name in PhotoLibrary.DemoNames)
            for (int v = 1; v <= 4; v++)
                PhotoLibrary.WriteVariant(library.Photo(name), library.Photo($"{Path.GetFileNameWithoutExtension(name)} v{v}.png"), 1 + 0.5 * v, cropFraction: 0.03 * v);
        int total = Directory.GetFiles(library.Photos).Length;

        string clean = Path.Combine(library.Root, "clean.sqlite");
        Assert.Equal(total, Embedded(ClipProcess.Run(Args(library.Photos, clean))));

        string killed = library.IndexPath;
        // Kill when the index file first appears (nothing embedded yet), then at two later committed counts.
        foreach (int committedAtKill in new[] { 0, 20, 52 })
        {
            int committed = KillWhenCommitted(Args(library.Photos, killed), killed, committedAtKill);
            Assert.True(committed < total, $"killed with all {total} committed");
            Assert.Equal(0, committed % CommitEvery);                                  // whole batches only
        }
        int before = Committed(killed);
        var rerun = ClipProcess.Run(Args(library.Photos, killed));
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.Equal(total - before, Embedded(rerun));                                // nothing committed is embedded again
        AssertSameIndex(clean, killed);
    }

    static string[] Args(string folder, string index) =>
        ["index", folder, "--model", PhotoLibrary.Model, "--index", index, "--commit-every", $"{CommitEvery}", "--batch-size", $"{CommitEvery}", "--precision", "Float32"];

    [GeneratedRegex(@"\((\d+) embedded in")]
    private static partial Regex EmbeddedCount();

    static int Embedded(ClipProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.Error);
        return int.Parse(EmbeddedCount().Match(result.Output).Groups[1].Value);
    }

    /// <summary>Photos committed so far, read beside the running process (WAL lets a reader in); -1 before the index exists.</summary>
    static int Committed(string index)
    {
        if (!File.Exists(index)) return -1;
        try
        {
            using var connection = new SqliteConnection($"Data Source={index};Mode=ReadOnly;Pooling=False;Default Timeout=1");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM photos";
            return Convert.ToInt32(command.ExecuteScalar());
        }
        catch (SqliteException)
        {
            return -1;
        }
    }

    /// <summary>Starts `clip index`, kills it once at least <paramref name="count"/> photos are committed, and returns how many were.</summary>
    static int KillWhenCommitted(string[] args, string index, int count)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        var seen = new List<int>();
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            int now = Committed(index);
            if (seen.Count == 0 || seen[^1] != now) seen.Add(now);
            if (now >= count) break;
            Thread.Sleep(2);
        }
        Assert.False(process.HasExited, $"the run finished before {count} photos were committed (seen {string.Join(", ", seen)})");
        process.Kill();   // SIGKILL: no chance to finish the batch or clean up
        process.WaitForExit();
        int committed = Committed(index);
        Assert.True(committed >= count, $"seen {string.Join(", ", seen)}, then {committed} after the kill");
        return committed;
    }

    static void AssertSameIndex(string expectedPath, string actualPath)
    {
        using var expected = PhotoIndex.Open(expectedPath);
        using var actual = PhotoIndex.Open(actualPath);
        var options = new FilteredRecordRetrievalOptions<PhotoVectorRecord> { IncludeVectors = true };
        var want = new PhotoVectorCollection(expected).GetAsync(_ => true, int.MaxValue, options).ToBlockingEnumerable().ToDictionary(r => r.Path);
        var got = new PhotoVectorCollection(actual).GetAsync(_ => true, int.MaxValue, options).ToBlockingEnumerable().ToDictionary(r => r.Path);
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (path, record) in want)
        {
            Assert.True(record.Embedding.Span.SequenceEqual(got[path].Embedding.Span), $"{path}: embedding differs");
            var (a, b) = (expected.Get(record.Id)!, actual.Get(got[path].Id)!);
            Assert.Equal(a with { Id = 0 }, b with { Id = 0 });
        }
        Assert.Equal(expected.Status().UnreadableCount, actual.Status().UnreadableCount);
    }
}
