using System.CommandLine;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Cli.Commands;

/// <summary>Options several commands share, and loading the model they name.</summary>
static class CommonOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model file or folder: Hugging Face folder, OpenAI/OpenCLIP .safetensors, .pt or .bin",
        Required = true,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "Where to run: cpu (default), cuda, cuda:1 …",
        DefaultValueFactory = _ => "cpu",
    };

    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device) =>
        Load(parse.GetValue(model)!, ParseDevice(parse.GetValue(device)!));

    /// <summary>Loads a model and shows on stderr what loading had to guess.</summary>
    public static Clip Load(string path, Device? device = null)
    {
        var clip = Clip.Load(path, ScalarType.Float32, device);
        foreach (var warning in clip.LoadWarnings) Console.Error.WriteLine($"warning: {warning}");
        return clip;
    }

    static Device ParseDevice(string name)
    {
        try { return torch.device(name); }
        catch (Exception e) { throw new ClipNetException($"unknown or unavailable device '{name}' ({e.Message})"); }
    }
}
