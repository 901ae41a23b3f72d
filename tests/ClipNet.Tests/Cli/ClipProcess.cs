using System.Diagnostics;

namespace ClipNet.Tests.Cli;

/// <summary>Runs the real `clip` executable (built beside the tests), or any other program, and captures its exit code and output.</summary>
public static class ClipProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>Runs with these environment variables set (an empty value unsets one).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CLIPNET_DEBUG");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return Run(start, TimeSpan.FromMinutes(3));
    }

    /// <summary>Runs <paramref name="start"/> with its output captured; kills it, and throws, after <paramref name="limit"/>.</summary>
    public static Result Run(ProcessStartInfo start, TimeSpan limit)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish in {limit.TotalMinutes} minutes");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
