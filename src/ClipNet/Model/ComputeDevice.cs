using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// Turns a device name from the user ("cpu", "cuda", "cuda:1") into a libtorch device, checking first that this
/// process can run there: otherwise libtorch fails with a native trace, at the name or later inside a tensor copy.
/// </summary>
public static partial class ComputeDevice
{
    [GeneratedRegex(@"^(?<type>cpu|cuda)(:(?<index>\d{1,3}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex DeviceName();

    public static Device Parse(string name)
    {
        var match = DeviceName().Match(name.Trim());
        if (!match.Success) throw new ClipNetException($"unknown device '{name}': use cpu, cuda or cuda:N");
        if (match.Groups["type"].Value.Equals("cpu", StringComparison.OrdinalIgnoreCase)) return torch.CPU;
        if (!torch.cuda.is_available())
            throw new ClipNetException($"device '{name}': CUDA is not available to this program (it runs the CPU build of libtorch, or no NVIDIA GPU and driver were found); use --device cpu");
        int index = match.Groups["index"].Success ? int.Parse(match.Groups["index"].Value) : 0;
        int count = torch.cuda.device_count();
        if (index >= count) throw new ClipNetException($"device '{name}': this machine has {count} CUDA device(s)");
        return torch.device(DeviceType.CUDA, index);
    }
}
