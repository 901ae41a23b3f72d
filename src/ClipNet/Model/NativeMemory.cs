using System.Runtime.InteropServices;

namespace ClipNet.Model;

/// <summary>
/// Keeps glibc's malloc from handing the memory of large tensors back to the system after every operation.
/// <para>
/// libtorch allocates CPU tensors with malloc. glibc serves requests above its mmap threshold (dynamic, at most
/// 32 MiB) with a fresh mmap and unmaps them on free, and trims the heap's top once more than twice that threshold is
/// free. Each new mapping is zero pages the kernel must fault in one 4 KiB page at a time when the operation writes
/// its output. RN50's activations at batch 32 are up to 100 MB a tensor (256 channels × 56² × 32 images in float32),
/// so every convolution, BatchNorm and ReLU wrote into memory just mapped: measured 46,000 minor page faults per image
/// at batch 32 (13,800 at batch 8) against none with the settings below, and throughput per image fell 4× from batch 8
/// to batch 32. ViT-B/32 float32 showed the same effect more mildly (3,200 faults per image at batch 32).
/// </para>
/// <para>
/// The fix, made once before the first model is built: no mmap for large blocks (M_MMAP_MAX 0), and no trimming of
/// the heap's free top (M_TRIM_THRESHOLD at its maximum), so memory freed by one forward pass is reused, already
/// mapped, by the next. The cost is that a process keeps the peak of what it used, as PyTorch processes run with
/// jemalloc or tcmalloc do. A user who sets any glibc.malloc tunable in GLIBC_TUNABLES has made their own choice and
/// it is left alone; on other C libraries and systems nothing happens.
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
