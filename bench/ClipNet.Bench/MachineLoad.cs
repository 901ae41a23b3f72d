using System.Diagnostics;

namespace ClipNet.Bench;

/// <summary>
/// How much of the CPUs went to something other than this process, read from /proc/stat and /proc/self/stat (ProcessStatistics).
/// On 2 cores one busy neighbour halves a 2-thread GEMM: `dotnet run --project bench/...` leaves the build's
/// compiler and MSBuild servers working for a few seconds after the bench starts, and the first float32 GEMM then
/// measured 53–78 GFLOP/s against 150–167 a few seconds later. So the bench waits for the machine to go quiet
/// before it measures anything, and reports how much of the run other processes (and the hypervisor) took.
/// </summary>
sealed class MachineLoad
{
    readonly CpuTimes start = CpuTimes.Read();

    /// <summary>The share of all CPU time since <paramref name="since"/> that other processes used, and that the hypervisor stole.</summary>
    public static (double Others, double Stolen) Since(CpuTimes since)
    {
        var now = CpuTimes.Read();
        double total = now.Total - since.Total;
        if (total <= 0) return (0, 0);
        double othersBusy = now.Busy - since.Busy - (now.Own - since.Own);
        return (Math.Max(0, othersBusy / total), (now.Steal - since.Steal) / total);
    }

    /// <summary>The row that says how busy the machine was during the run.</summary>
    public (string What, string Result) Row()
    {
        var (others, stolen) = Since(start);
        return ("CPU time taken by other processes / stolen by the hypervisor during this run",
            $"{others:P1} / {stolen:P1} of the {Environment.ProcessorCount} cores");
    }

    /// <summary>This process's peak resident memory so far (VmHWM), as a table cell.</summary>
    public static string PeakResident() =>
        ClipNet.IO.ProcessStatistics.PeakResidentBytes() is > 0 and var bytes ? $"{bytes / 1073741824.0:F1} GB" : "unknown";

    /// <summary>
    /// Waits until other processes use under <paramref name="quietShare"/> of the CPUs over a half-second window,
    /// at most <paramref name="patience"/>; says on stdout when it had to wait.
    /// </summary>
    public static void WaitUntilQuiet(double quietShare = 0.05, double patience = 60)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var before = CpuTimes.Read();
            Thread.Sleep(500);
            double others = Since(before).Others;
            if (others < quietShare) break;
            if (clock.Elapsed.TotalSeconds > patience)
            {
                Console.WriteLine($"(the machine is still busy after {patience:F0} s: other processes use {others:P0} of the CPUs; measuring anyway)");
                return;
            }
        }
        if (clock.Elapsed.TotalSeconds > 0.6) Console.WriteLine($"(waited {clock.Elapsed.TotalSeconds:F1} s for other processes to go quiet)");
    }
}

/// <summary>Cumulative CPU clock ticks: the whole machine's (all, busy, stolen) and this process's own.</summary>
readonly record struct CpuTimes(long Total, long Busy, long Steal, long Own)
{
    public static CpuTimes Read()
    {
        if (!File.Exists("/proc/stat")) return default;
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        long idle = cpu[3] + cpu[4], steal = cpu[7];
        long total = cpu.Sum();
        // The children's times (the bench's child processes and the peer) count as the bench's own once they have exited.
        return new CpuTimes(total, total - idle - steal, steal, ClipNet.IO.ProcessStatistics.CpuTicksWithExitedChildren());
    }
}
