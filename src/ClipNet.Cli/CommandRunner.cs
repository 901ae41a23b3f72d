using System.CommandLine;
using System.Text.RegularExpressions;

namespace ClipNet.Cli;

/// <summary>
/// Parses and runs a command and turns every failure into one readable line on stderr, starting with
/// `error:`, and exit code 1. Errors caused by input (<see cref="ClipNetException"/>) print their message only,
/// also when a parallel loop wrapped them in an <see cref="AggregateException"/>; libtorch's allocation failures
/// say how much memory was asked for; anything else prints its type and message, and the stack trace only
/// when CLIPNET_DEBUG is set. CLIPNET_DEBUG also ends every command with a `debug:` line of what it cost the
/// machine (peak memory, page faults, the allocator settings), for performance reports.
/// </summary>
public static partial class CommandRunner
{
    public static int Invoke(RootCommand root, string[] args)
    {
        // Response files off: with them, `clip tokenize "@home"` would read a file called "home" instead of
        // tokenizing the text, and any argument that starts with @ would be a path.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see clip {CommandPath(parsed)}--help)");
            return 1;
        }
        bool debug = Environment.GetEnvironmentVariable("CLIPNET_DEBUG") is not null;
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: {Describe(Unwrap(e))}");
            if (debug) Console.Error.WriteLine(e);
            return 1;
        }
        finally
        {
            if (debug) Console.Error.WriteLine($"debug: {ResourceUse()}");
        }
    }

    /// <summary>Peak resident memory and minor page faults of this process so far (Linux), the allocator settings and MKL's kernels.</summary>
    static string ResourceUse() =>
        $"peak resident {ClipNet.IO.ProcessStatistics.PeakResidentBytes() / 1048576} MB, {ClipNet.IO.ProcessStatistics.MinorFaults()} minor page faults, " +
        $"allocator: {ClipNet.IO.NativeMemory.ReuseFreedBlocks()}; {ClipNet.IO.MklKernels.SelectByCpuFeatures()}";

    static string CommandPath(ParseResult parsed)
    {
        string path = "";
        for (var result = parsed.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            path = result.Command.Name + " " + path;
        return path;
    }

    /// <summary>The exception that says what went wrong: the first input error inside wrappers, else the innermost one.</summary>
    static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException aggregate:
                    var inner = aggregate.Flatten().InnerExceptions;
                    e = inner.FirstOrDefault(x => x is ClipNetException) ?? inner.FirstOrDefault() ?? e;
                    if (e is AggregateException) return e;
                    continue;
                case System.Reflection.TargetInvocationException or TypeInitializationException when e.InnerException is not null:
                    e = e.InnerException;
                    continue;
                default:
                    return e;
            }
        }
    }

    static string Describe(Exception e)
    {
        if (e is ClipNetException or IOException or UnauthorizedAccessException) return e.Message;
        if (e is OutOfMemoryException) return "out of memory (the input asks for more memory than this machine can give)";
        // libtorch's messages carry a native backtrace after the first line; that is debugging detail.
        string firstLine = e.Message.Split('\n', 2)[0].Trim();
        if (AllocationFailure().Match(e.Message) is { Success: true } allocation)
            return $"out of memory: libtorch could not allocate {long.Parse(allocation.Groups[1].Value) / (1024.0 * 1024 * 1024):F1} GiB";
        return $"{e.GetType().Name}: {firstLine}";
    }

    // "[enforce fail at alloc_cpu.cpp:...] DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000 bytes."
    [GeneratedRegex(@"can't allocate memory: you tried to allocate (\d+) bytes")]
    private static partial Regex AllocationFailure();
}
