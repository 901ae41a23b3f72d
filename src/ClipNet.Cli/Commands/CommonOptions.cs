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

    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device) =>
        Clip.Load(DownloadProgressDisplay.Resolve(parse.GetValue(model)!), ScalarType.Float32, ParseDevice(parse.GetValue(device)!));

    /// <summary>The model, embedding <paramref name="batchSize"/> images or texts at a time.</summary>
    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device, int batchSize)
    {
        if (batchSize <= 0) throw new ClipNetException($"the batch size must be positive, got {batchSize}");
        var loaded = Checkpoints.ModelLoader.Load(parse.GetValue(model)!, ScalarType.Float32, ParseDevice(parse.GetValue(device)!));
        return new Clip(loaded.Model, loaded.Tokenizer, loaded.Preprocessor, loaded.Source, loaded.Format) { BatchSize = batchSize };
    }

    static Device ParseDevice(string name) => ComputeDevice.Parse(name);
}
