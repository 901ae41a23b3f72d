using System.Diagnostics;

namespace ClipNet.Tests.Hostile;

/// <summary>
/// Runs the real `clip` executable on one input and measures what it cost: wall time, and peak resident
/// memory read from the kernel's high-water mark (VmHWM in /proc/PID/status, sampled every few milliseconds;
/// the mark only grows, so the last sample is the peak up to a few milliseconds before exit). A run that
/// passes its time bound is killed, so a hang fails the test instead of stalling it.
/// </summary>
static class BoundedClipRun
{
    public sealed record Result(int ExitCode, string Output, string Error, TimeSpan Wall, long PeakResidentBytes, bool Killed)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static Result Run(TimeSpan timeBound, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CLIPNET_DEBUG");
        start.Environment.Remove("CLIPNET_MAX_IMAGE_PIXELS");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peak = 0;
        bool killed = false;
        string status = $"/proc/{process.Id}/status";
        while (!process.WaitForExit(5))
        {
            peak = Math.Max(peak, HighWaterMark(status));
            if (clock.Elapsed > timeBound)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                killed = true;
                break;
            }
        }
        clock.Stop();
        return new Result(process.ExitCode, output.Result, error.Result, clock.Elapsed, peak, killed);
    }

    /// <summary>VmHWM in bytes, or 0 once the process is gone.</summary>
    static long HighWaterMark(string statusPath)
    {
        try
        {
            foreach (string line in File.ReadLines(statusPath))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }
}
