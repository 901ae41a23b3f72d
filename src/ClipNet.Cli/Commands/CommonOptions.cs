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

    /// <summary>`--shard INDEX/COUNT` (<see cref="Data.Shard"/>): one of N disjoint parts of <paramref name="items"/>, for N batch jobs.</summary>
    public static Option<string?> Shard(string items) => new("--shard")
    {
        Description = $"Only shard INDEX/COUNT (0-based) of {items}, chosen by a stable hash of each one's id: N jobs given 0/N … N-1/N cover them once",
    };

    public static Data.Shard ShardOf(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } text ? Data.Shard.Parse(text) : Data.Shard.Whole;

    public static Option<string> Device() => new("--device")
    {
        Description = "Where to run: cpu (default), cuda, cuda:1 …",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>
    /// The model named by the command's options, in the --dtype precision when the command has that option, embedding
    /// <paramref name="batchSize"/> images or texts at a time when given.
    /// </summary>
    public static Clip LoadModel(ParseResult parse, Option<string> model, Option<string> device, Option<string>? dtype = null, int? batchSize = null)
    {
        if (batchSize is <= 0) throw new ClipNetException($"the batch size must be positive, got {batchSize}");
        var clip = Load(parse.GetValue(model)!, ParseDevice(parse.GetValue(device)!), dtype is null ? ScalarType.Float32 : DTypes[parse.GetValue(dtype)!]);
        if (batchSize is int size) clip.BatchSize = size;
        return clip;
    }

    /// <summary>Loads a model and shows on stderr what loading had to guess.</summary>
    public static Clip Load(string path, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var clip = Clip.Load(DownloadProgressDisplay.Resolve(path), dtype, device);
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

    static Device ParseDevice(string name) => ComputeDevice.Parse(name);
}
