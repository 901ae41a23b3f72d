namespace ClipNet.IO;

/// <summary>
/// What the kernel counts for this process, read from /proc/self (Linux; 0 elsewhere): for performance reports such
/// as `clip`'s CLIPNET_DEBUG line and the bench's rows.
/// </summary>
public static class ProcessStatistics
{
    /// <summary>Peak resident memory so far (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes()
    {
        if (!File.Exists("/proc/self/status")) return 0;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>Minor page faults of all threads so far (field 10 of /proc/self/stat).</summary>
    public static long MinorFaults() => StatFields() is { } fields ? fields(10) : 0;

    /// <summary>CPU clock ticks used so far by this process and by its children that have exited (fields 14–17: utime, stime, cutime, cstime).</summary>
    public static long CpuTicksWithExitedChildren() => StatFields() is { } fields ? fields(14) + fields(15) + fields(16) + fields(17) : 0;

    /// <summary>One read of /proc/self/stat, as a lookup of its fields by their 1-based number in proc(5); null where there is none.</summary>
    static Func<int, long>? StatFields()
    {
        if (!File.Exists("/proc/self/stat")) return null;
        // Field 2, the command name in parentheses, may hold spaces: count from the ')' that closes it (field 3 follows).
        string stat = File.ReadAllText("/proc/self/stat");
        var fromThird = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return number => long.Parse(fromThird[number - 3]);
    }
}
