using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ClipNet.IO;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.IO;

public class MklKernelsTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate int VendorCheck();

    static bool IsIntel()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        return (ebx, edx, ecx) == (0x756E6547, 0x49656E69, 0x6C65746E);
    }

    /// <summary>On a non-Intel CPU with AVX-512 (this machine's AMD EPYC), MKL's vendor check answers "Intel" for the
    /// rest of the process, set before the first product by the test assembly's initializer.</summary>
    [Fact]
    public void OnANonIntelCpuWithAvx512MklsVendorCheckAnswersIntel()
    {
        string status = MklKernels.SelectByCpuFeatures();
        if (!X86Base.IsSupported || IsIntel() || !Avx512F.IsSupported)
        {
            Assert.Contains("nothing to change", status);
            return;
        }
        Assert.Equal("MKL: AVX-512 kernels on this non-Intel CPU (its vendor check answered)", status);
        Assert.True(NativeLibrary.TryLoad("libtorch_cpu.so", out var libtorch));
        var vendorCheck = Marshal.GetDelegateForFunctionPointer<VendorCheck>(NativeLibrary.GetExport(libtorch, "mkl_serv_intel_cpu_true"));
        Assert.Equal(1, vendorCheck());
    }

    /// <summary>MKL's float32 kernels, whichever it chose, agree with a float64 product to float32's precision,
    /// in both transposed layouts a linear layer uses.</summary>
    [Fact]
    public void Float32ProductsAgreeWithFloat64()
    {
        var a = torch.randn(300, 257, generator: new Generator(1));
        var b = torch.randn(129, 257, generator: new Generator(2));
        var expected = a.to_type(ScalarType.Float64).matmul(b.to_type(ScalarType.Float64).t());
        foreach (var actual in new[] { a.matmul(b.t()), nn.functional.linear(a, b), a.matmul(b.t().contiguous()) })
        {
            double error = (actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>();
            Assert.True(error < 1e-3, $"largest difference from the float64 product is {error}");
        }
    }

    /// <summary>MKL's float64 kernels (the linear probe's) agree with a plain loop over the same doubles.</summary>
    [Fact]
    public void Float64ProductsAgreeWithAPlainLoop()
    {
        var a = torch.randn(70, 129, ScalarType.Float64, generator: new Generator(3));
        var b = torch.randn(129, 33, ScalarType.Float64, generator: new Generator(4));
        double[] product = a.matmul(b).data<double>().ToArray(), left = a.data<double>().ToArray(), right = b.data<double>().ToArray();
        double worst = 0;
        for (int i = 0; i < 70; i++)
            for (int j = 0; j < 33; j++)
            {
                double sum = 0;
                for (int k = 0; k < 129; k++) sum += left[i * 129 + k] * right[k * 33 + j];
                worst = Math.Max(worst, Math.Abs(sum - product[i * 33 + j]));
            }
        Assert.True(worst < 1e-11, $"largest difference from the plain loop is {worst}");
    }
}
