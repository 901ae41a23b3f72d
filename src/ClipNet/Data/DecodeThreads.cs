using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ClipNet.Data;

/// <summary>
/// A task scheduler over a few dedicated threads that decode and preprocess images beside the model. On Linux the
/// threads can run at a lower scheduling priority (a higher nice value) than the rest of the process: then, on a
/// machine whose cores libtorch's intra-op threads fill, decoding takes the cycles the model leaves free instead of
/// preempting a libtorch thread, which stalls all its peers at the next barrier (PipelineBench measures the choice).
/// Dedicated threads, because the priority of a thread-pool thread would outlive the job that lowered it.
/// </summary>
sealed class DecodeThreads : TaskScheduler, IDisposable
{
    /// <summary>The nice value of low-priority decode threads: below the model's threads, above idle work (19).</summary>
    public const int LowPriorityNice = 10;

    readonly BlockingCollection<Task> queue = new();
    readonly Thread[] threads;
    [ThreadStatic] static DecodeThreads? owner;

    public DecodeThreads(int count, bool lowPriority)
    {
        threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            threads[i] = new Thread(() =>
            {
                owner = this;
                if (lowPriority) LowerPriority();
                foreach (var task in queue.GetConsumingEnumerable()) TryExecuteTask(task);
            }) { IsBackground = true, Name = $"clipnet decode {i}" };
            threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => threads.Length;

    protected override void QueueTask(Task task) => queue.Add(task);

    // Parallel.For runs its first share of the work inline on the calling thread; that is one of these threads.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => owner == this && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => queue.ToArray();

    public void Dispose()
    {
        queue.CompleteAdding();
        foreach (var thread in threads) thread.Join();
        queue.Dispose();
    }

    const int PriorityOfProcess = 0;   // PRIO_PROCESS: on Linux, `who` = a thread id sets that thread alone

    [DllImport("libc", EntryPoint = "setpriority")]
    static extern int SetPriority(int which, int who, int nice);

    [DllImport("libc", EntryPoint = "gettid")]
    static extern int ThreadId();

    /// <summary>Raises the calling thread's nice value; best effort (another OS, an old libc: it stays as it was).</summary>
    static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { SetPriority(PriorityOfProcess, ThreadId(), LowPriorityNice); }
        catch (EntryPointNotFoundException) { }
        catch (DllNotFoundException) { }
    }
}
