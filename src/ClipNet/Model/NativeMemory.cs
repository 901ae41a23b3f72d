using System.Runtime.InteropServices;

namespace ClipNet.Model;

/// <summary>
/// Keeps glibc's malloc from handing the memory of large tensors back to the system after every operation.
/// <para>
/// Why (issue 15, RN50 "collapsing" at batch 32): libtorch allocates CPU tensors with malloc. glibc serves requests
/// above its mmap threshold (dynamic, at most 32 MiB) with a fresh mmap and unmaps them on free, trims the heap's free
/// top, and gives each new thread an arena of 64 MiB heaps that are unmapped when empty. Each new mapping is zero pages
/// the kernel faults in one 4 KiB page at a time as an operation writes its output. RN50's activations at batch 32 are
/// up to 100 MB a tensor (256 channels × 56² × 32 images, float32), so every convolution, BatchNorm and ReLU wrote into
/// memory just mapped. Measured on the 2-core machine (bench `-- towers`, minor page faults per image, RN50 float32):
/// 13,500 at batch 8 and 46,000 at batch 32 by default; 4,200 and 4,700 with the settings below made here; 1 and 5,100
/// with the same settings given as GLIBC_TUNABLES at process start (which also binds threads that allocated before
/// this code ran to the one arena). Throughput per image fell 4× from batch 8 to batch 32 before.
/// </para>
/// <para>
/// The settings, made once before the first model is built: no mmap for large blocks (M_MMAP_MAX 0), no trimming of
/// the heap's free top (M_TRIM_THRESHOLD at its maximum), and no new arenas (M_ARENA_MAX 1), so memory freed by one
/// forward pass is reused, still mapped, by the next. The cost is that a process keeps the peak of what it used, as
/// PyTorch processes run with jemalloc or tcmalloc do. A user who sets any glibc.malloc tunable in GLIBC_TUNABLES has
/// made their own choice and it is left alone; on other C libraries and systems nothing happens.
/// </para>
/// </summary>
public static class NativeMemory
{
    const int MallocTrimThreshold = -1;   // M_TRIM_THRESHOLD in glibc's malloc.h
    const int MallocMmapMax = -4;         // M_MMAP_MAX
    const int MallocArenaMax = -8;        // M_ARENA_MAX

    static readonly Lazy<string> Tuned = new(Tune);

    /// <summary>Applies the allocator settings (once per process) and says what was done.</summary>
    public static string KeepFreedMemoryMapped() => Tuned.Value;

    static string Tune()
    {
        string? tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        if (tunables?.Contains("glibc.malloc.", StringComparison.Ordinal) == true) return $"left to GLIBC_TUNABLES={tunables}";
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out var libc)) return "not glibc: allocator unchanged";
        if (!NativeLibrary.TryGetExport(libc, "mallopt", out var export)) return "no mallopt: allocator unchanged";
        unsafe
        {
            var mallopt = (delegate* unmanaged<int, int, int>)export;
            bool done = mallopt(MallocMmapMax, 0) == 1 & mallopt(MallocTrimThreshold, int.MaxValue) == 1
                & mallopt(MallocArenaMax, 1) == 1;
            return done ? "glibc malloc: one arena, no mmap for large blocks, no trimming" : "mallopt refused: allocator unchanged";
        }
    }
}
