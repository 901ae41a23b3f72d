using System.Diagnostics;

namespace ClipNet.Tests.Cli;

/// <summary>Runs the real `clip` executable (built beside the tests) and captures its exit code and output.</summary>
static class ClipProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>Runs with these environment variables set (an empty value unsets one).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("CLIPNET_DEBUG");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"clip {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
