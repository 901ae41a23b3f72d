using System.Runtime.CompilerServices;

namespace ClipNet.Tests;

static class MklKernelsSetup
{
    /// <summary>
    /// MKL fixes its float32 kernels at the process's first product, and a test may run one before any test builds a
    /// model (whose static constructor would make the choice): the parity tests then check the kernels `clip` runs.
    /// </summary>
    [ModuleInitializer]
    internal static void SelectByCpuFeatures() => ClipNet.IO.MklKernels.SelectByCpuFeatures();
}
