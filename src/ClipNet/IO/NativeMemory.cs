using System.Runtime.InteropServices;

namespace ClipNet.IO;

/// <summary>
/// Keeps glibc's malloc from handing the memory of large tensors back to the system after every operation; for
/// programs to call first thing in Main (the `clip` command and the bench do). A library does not change a process's
/// allocator by itself, so nothing in ClipNet calls it for you.
/// <para>
/// Why: libtorch allocates CPU tensors with malloc. glibc serves requests above its mmap threshold (dynamic, at most
/// 32 MiB) with a fresh mmap and unmaps them on free, and trims the heap's free top. Each new mapping is zero pages the
/// kernel faults in one 4 KiB page at a time as an operation writes its output, and at batch 32 most activations are
/// above 32 MiB (ViT-B/16's MLP: 32 × 197 × 3072 floats = 77 MB). Measured on the 2-core machine (bench `-- towers`):
/// ViT-B/16 float32 at batch 32 took 29,000 minor page faults and 1.7 img/s by default, 0 faults and 4.1 img/s (= its
/// batch-8 rate, 92 % of the float32 GEMM) with these settings; RN50 bf16 at batch 64 went from 4.1 to 33.8 img/s.
/// </para>
/// <para>
/// The settings: no mmap for large blocks (M_MMAP_MAX 0), trimming only past 2 GiB of free top (M_TRIM_THRESHOLD), and
/// one arena (M_ARENA_MAX 1, as non-main arenas cannot grow a block past 64 MiB without mmap). Memory freed by one
/// pass is then reused, still mapped, by the next. The cost is that a process keeps about the peak of what it used,
/// as PyTorch processes run with jemalloc or tcmalloc do. That peak stays near one block's activations because each
/// transformer block and bottleneck frees its intermediates as it ends: the bench's ViT-B/16, RN50 and ViT-L/14 at
/// batch 64 in one process peaked at 10.9 GB. Arenas are bound to threads when they first allocate, so this must run
/// before libtorch starts its thread pool. A user who sets any glibc.malloc tunable in GLIBC_TUNABLES has made their
/// own choice and it is left alone; on other C libraries and systems nothing happens.
/// </para>
/// </summary>
public static class NativeMemory
{
    const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD in glibc's malloc.h
    const int MallocMmapMax = -4;         // M_MMAP_MAX
    const int MallocArenaMax = -8;        // M_ARENA_MAX
    const int TrimThreshold = int.MaxValue;   // mallopt takes an int: 2 GiB is as high as it goes

    static readonly Lazy<string> Applied = new(Apply);

    /// <summary>Applies the settings (once per process) and says what was done, for a log or a benchmark row.</summary>
    public static string ReuseFreedBlocks() => Applied.Value;

    static string Apply()
    {
        string? tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        if (tunables?.Contains("glibc.malloc.", StringComparison.Ordinal) == true) return $"left to GLIBC_TUNABLES={tunables}";
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return "not glibc: allocator unchanged";
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var export)) return "no mallopt: allocator unchanged";
        unsafe
        {
            var mallopt = (delegate* unmanaged<int, int, int>)export;
            bool done = (mallopt(MallocMmapMax, 0) == 1) & (mallopt(MallocTrimThreshold, TrimThreshold) == 1) & (mallopt(MallocArenaMax, 1) == 1);
            return done ? "glibc malloc: one arena, no mmap for large blocks, trimming past 2 GiB" : "mallopt refused: allocator unchanged";
        }
    }
}
