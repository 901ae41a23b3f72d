using ClipNet.Data;

namespace ClipNet.Training;

/// <summary>What `clip train` assembles: data, model (from scratch or a checkpoint), validation and the run folder.</summary>
public sealed record TrainingRunOptions
{
    public required string Data { get; init; }
    public required string OutputDirectory { get; init; }
    public DatasetOptions DataOptions { get; init; } = new();
    /// <summary>A labelled or captioned dataset evaluated after every epoch (zero-shot accuracy and/or recall@K).</summary>
    public string? ValidationData { get; init; }
    /// <summary>Without <see cref="ValidationData"/>: hold back this seeded fraction of the training data and validate on it.</summary>
    public double HoldBackFraction { get; init; }
    /// <summary>A prompts file (`prompts.json` layout) and dataset name: class names and templates for captions and zero-shot.</summary>
    public string? PromptsFile { get; init; }
    public string? PromptsDataset { get; init; }
    /// <summary>
    /// The architecture (a built-in name, see `ModelConfigs`, or an OpenCLIP JSON file): to train from scratch
    /// (<see cref="DefaultArchitecture"/> when null) or, with <see cref="InitFrom"/>, to read the checkpoint as instead
    /// of what its files say (an open_clip epoch_N.pt carries no config).
    /// </summary>
    public string? Architecture { get; init; }
    public const string DefaultArchitecture = "ViT-B-32";
    /// <summary>A checkpoint to fine-tune (any format `clip info` reads).</summary>
    public string? InitFrom { get; init; }
    public TrainingOptions Training { get; init; } = new();
    public bool Resume { get; init; }
    /// <summary>Fail on unusable training data (missing files, empty captions, undecodable images) instead of skipping it.</summary>
    public bool Strict { get; init; }
    /// <summary>
    /// Image-decoding threads. They share the cores with libtorch's own threads: on an idle 2-core machine one
    /// and two workers train equally fast (BENCHMARKS.md), but with another process busy, two workers made
    /// libtorch's OpenMP barriers stall (51 vs 198 samples/s), so the default is a quarter of the cores.
    /// </summary>
    public int Workers { get; init; } = DefaultWorkers;

    public static int DefaultWorkers => Math.Max(1, Environment.ProcessorCount / 4);

    /// <summary>The training options and the run's own, checked before any data or model is opened.</summary>
    public TrainingRunOptions Validated()
    {
        Training.Validated();
        if (!double.IsFinite(HoldBackFraction) || HoldBackFraction < 0 || HoldBackFraction >= 1)
            throw new ClipNetException($"--hold-back must be in [0, 1), got {HoldBackFraction}");
        if (Workers < 1) throw new ClipNetException($"--workers must be at least 1, got {Workers}");
        string output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(OutputDirectory));
        foreach (var (option, input) in new[] { ("--data", Data), ("--init", InitFrom), ("--val-data", ValidationData), ("--prompts", PromptsFile) })
        {
            if (input is null) continue;
            string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(input));
            if (full == output || full.StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new ClipNetException($"--out {OutputDirectory} would write over the input {option} {input}; choose another run folder");
        }
        return this;
    }
    public string Device { get; init; } = "cpu";
}
