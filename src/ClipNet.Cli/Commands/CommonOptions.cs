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
        Load(parse.GetValue(model)!, ParseDevice(parse.GetValue(device)!));

    /// <summary>Loads a model and shows on stderr what loading had to guess.</summary>
    public static Clip Load(string path, Device? device = null)
    {
        var clip = Clip.Load(DownloadProgressDisplay.Resolve(path), ScalarType.Float32, device);
        foreach (var warning in clip.LoadWarnings) Console.Error.WriteLine($"warning: {warning}");
        return clip;
    }

    /// <summary>
    /// Refuses, at parse time, an output that is one of the command's inputs or a folder holding one: writing
    /// there would destroy the input (`clip convert --model m.safetensors --out m.safetensors`).
    /// </summary>
    public static void OutputMustNotBeAnInput(Command command, Option output, params Option[] inputs)
    {
        command.Validators.Add(result =>
        {
            if (PathsOf(result, output).FirstOrDefault() is not { } outputPath) return;
            string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputPath));
            foreach (var input in inputs)
                foreach (string inputPath in PathsOf(result, input))
                {
                    string source = Path.TrimEndingDirectorySeparator(Path.GetFullPath(inputPath));
                    if (source == target || source.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                        result.AddError($"{output.Name} {outputPath} would overwrite the input {input.Name} {inputPath}; choose another output");
                }
        });
    }

    static IEnumerable<string> PathsOf(System.CommandLine.Parsing.CommandResult result, Option option) => option switch
    {
        Option<string> single => result.GetValue(single) is { Length: > 0 } path ? [path] : [],
        Option<string[]> many => result.GetValue(many) ?? [],
        _ => throw new ArgumentException($"{option.Name} is not a path option", nameof(option)),
    };

    /// <summary>Refuses, at parse time, a number outside [<paramref name="min"/>, <paramref name="max"/>] (NaN and infinities included).</summary>
    public static T Within<T>(this T option, double min, double max, bool minExclusive = false) where T : Option
    {
        option.Validators.Add(result =>
        {
            double? value = result.GetValueOrDefault<object?>() switch
            {
                int i => i, long l => l, double d => d, float f => f, null => null,
                var other => throw new ArgumentException($"{option.Name} is not numeric ({other.GetType().Name})"),
            };
            if (value is double v && (!double.IsFinite(v) || v < min || v > max || (minExclusive && v == min)))
                result.AddError($"{option.Name} must be {(minExclusive ? "above" : "at least")} {min}{(max < double.MaxValue ? $" and at most {max}" : "")}, got {result.Tokens.LastOrDefault()?.Value ?? v.ToString()}");
        });
        return option;
    }

    /// <summary>The model, embedding <paramref name="batchSize"/> images or texts at a time.</summary>
    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device, int batchSize)
    {
        if (batchSize <= 0) throw new ClipNetException($"the batch size must be positive, got {batchSize}");
        var loaded = Checkpoints.ModelLoader.Load(parse.GetValue(model)!, ScalarType.Float32, ParseDevice(parse.GetValue(device)!));
        return new Clip(loaded.Model, loaded.Tokenizer, loaded.Preprocessor, loaded.Source, loaded.Format) { BatchSize = batchSize };
    }

    static Device ParseDevice(string name) => ComputeDevice.Parse(name);
}
