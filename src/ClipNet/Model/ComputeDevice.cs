using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// Turns a device name from the user ("cpu", "cuda", "cuda:1") into a libtorch device, checking first that this
/// process can run there: otherwise libtorch fails later, deep inside a tensor copy, with a native trace.
/// </summary>
public static class ComputeDevice
{
    public static Device Parse(string name)
    {
        Device device;
        try { device = torch.device(name); }
        catch (Exception e) { throw new ClipNetException($"unknown device '{name}': use cpu, cuda or cuda:N ({e.Message.Split('\n', 2)[0].Trim()})"); }
        if (device.type == DeviceType.CPU) return device;
        if (device.type != DeviceType.CUDA) throw new ClipNetException($"device '{name}': only cpu and cuda are supported");
        if (!torch.cuda.is_available())
            throw new ClipNetException($"device '{name}': CUDA is not available to this program (it runs the CPU build of libtorch, or no NVIDIA GPU and driver were found); use --device cpu");
        if (device.index >= torch.cuda.device_count())
            throw new ClipNetException($"device '{name}': this machine has {torch.cuda.device_count()} CUDA device(s)");
        return device;
    }
}
