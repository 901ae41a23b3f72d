using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace ClipNet.IO;

/// <summary>
/// Lets the Intel MKL inside libtorch pick its float32 matrix kernels by what the CPU can do rather than by who made
/// it. <see cref="ClipNet.Model.ClipModel"/>'s static constructor calls it, so every program that builds or loads a
/// model gets it; one that runs float32 products of its own before that calls it first thing in Main (the bench and
/// the tests do).
/// <para>
/// Why: libtorch's float32 products go to MKL's sgemm (bf16 ones go to oneDNN, which dispatches on features). MKL
/// runs its AVX-512 kernels only when the CPU's vendor string is GenuineIntel, and its AVX2 ones on any other CPU,
/// AVX-512 or not. On this AMD EPYC with AVX-512 that halves float32: a 1024² product ran 177–190 GFLOP/s by
/// default and 390–440 with MKL's vendor check answered "Intel" (one program, run both ways, twice).
/// </para>
/// <para>
/// How: MKL asks <c>mkl_serv_intel_cpu_true</c>, an exported function that caches its answer in a static variable
/// (initially −1) and returns the cache once set. On a non-Intel CPU with AVX-512 this sets the cache to 1 before MKL
/// first asks, after checking that the function's code is the expected load-test-return of that variable. MKL then
/// chooses among its kernels by the CPU's feature flags, as it does on Intel's own CPUs; the float32 parity tests run
/// with it. Code is not modified. MKL decides once, at its first product: called after that, this can only report
/// that it is too late. <c>CLIPNET_MKL_VENDOR_CHECK=1</c> leaves MKL's own check in place (the bench uses it to show
/// both rates).
/// </para>
/// </summary>
public static class MklKernels
{
    public const string KeepVendorCheckVariable = "CLIPNET_MKL_VENDOR_CHECK";

    static readonly Lazy<string> Applied = new(Apply);

    /// <summary>Applies the choice (once per process) and says what was done, for a log or a benchmark row.</summary>
    public static string SelectByCpuFeatures() => Applied.Value;

    static string Apply()
    {
        if (Environment.GetEnvironmentVariable(KeepVendorCheckVariable) == "1") return $"MKL: its vendor check kept ({KeepVendorCheckVariable}=1)";
        if (!X86Base.IsSupported) return "MKL: not an x86 CPU, nothing to change";
        if (IsIntel()) return "MKL: Intel CPU, nothing to change";
        if (!Avx512F.IsSupported) return "MKL: no AVX-512 on this CPU, nothing to change";
        // Loads libtorch if nothing has yet, so that the name below finds the copy TorchSharp uses. This runs in
        // ClipModel's static constructor: a libtorch that cannot load must fail at its first real use, with
        // TorchSharp's message, not here as a type initialisation error.
        try { torch.InitializeDeviceType(DeviceType.CPU); }
        catch (Exception e) { return $"MKL: libtorch did not load ({e.GetType().Name}), left as is"; }
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libtorch_cpu.so", out var libtorch)
            || !NativeLibrary.TryGetExport(libtorch, "mkl_serv_intel_cpu_true", out var function))
            return "MKL: its vendor check not found in libtorch_cpu, left as is";
        unsafe
        {
            // mov eax, [rip + offset]; test eax, eax; js compute; ret
            var code = (byte*)function;
            ReadOnlySpan<byte> head = [0x8B, 0x05], tail = [0x85, 0xC0, 0x78, 0x01, 0xC3];
            if (!new ReadOnlySpan<byte>(code, 2).SequenceEqual(head) || !new ReadOnlySpan<byte>(code + 6, 5).SequenceEqual(tail))
                return "MKL: its vendor check's code is not the expected one, left as is";
            var cached = (int*)(code + 6 + *(int*)(code + 2));
            if (*cached == 0) return "MKL: it had already chosen its kernels (a float32 product ran first), left as is";
            *cached = 1;
            return "MKL: AVX-512 kernels on this non-Intel CPU (its vendor check answered)";
        }
    }

    static bool IsIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return (ebx, edx, ecx) == (0x756E6547, 0x49656E69, 0x6C65746E);   // "Genu" "ineI" "ntel"
    }
}
