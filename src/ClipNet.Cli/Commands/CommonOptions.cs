using ClipNet.Model;
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
        Clip.Load(parse.GetValue(model)!, ScalarType.Float32, ParseDevice(parse.GetValue(device)!));

    static Device ParseDevice(string name) => ComputeDevice.Parse(name);
}
