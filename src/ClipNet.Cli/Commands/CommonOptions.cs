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
        Description = "Model: a file or folder (Hugging Face folder, .safetensors, .pt, .bin), a hub id (org/name[@rev], hf-hub:org/name) or an open_clip name (ViT-B-32:laion2b_s34b_b79k; see `clip models`)",
        Required = true,
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "Where to run: cpu (default), cuda, cuda:1 …",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The weights' type for inference; bfloat16 runs on the bf16 matrix units of CPUs that have them.</summary>
    public static Option<string> DType()
    {
        var option = new Option<string>("--dtype")
        {
            Description = "Precision of the weights and matrix products: float32 (default), bfloat16 or float16; " +
                "LayerNorm, softmax and the final normalisation stay float32",
            DefaultValueFactory = _ => "float32",
        };
        option.AcceptOnlyFromAmong(DTypes.Keys.ToArray());
        return option;
    }

    static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["float32"] = ScalarType.Float32, ["bfloat16"] = ScalarType.BFloat16, ["float16"] = ScalarType.Float16,
    };

    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device, Option<string> dtype) =>
        Clip.Load(DownloadProgressDisplay.Resolve(parse.GetValue(model)!), DTypes[parse.GetValue(dtype)!], ParseDevice(parse.GetValue(device)!));

    static Device ParseDevice(string name) => ComputeDevice.Parse(name);
}
