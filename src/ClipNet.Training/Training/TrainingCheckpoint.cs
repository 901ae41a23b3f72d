using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.Checkpoints;
using ClipNet.Model;
using ClipNet.Vision;
using ClipNet.SafeTensors;
using ClipNet.IO;

namespace ClipNet.Training;

/// <summary>Where a run stands: the next step to take and the data position it reads from.</summary>
public sealed record TrainingPosition(int Step, int Epoch, int BatchInEpoch);

/// <summary>
/// A training checkpoint folder: `open_clip_model.safetensors` (OpenCLIP names, loadable by the Python
/// tools) and `open_clip_config.json`, plus `optimizer.safetensors` (AdamW moments and step counts) and
/// `trainer_state.json` (position, seed, precision). Written into a temporary folder that is renamed into place, and
/// `latest` is replaced atomically afterwards, so a crash at any moment leaves the previous checkpoint intact.
/// </summary>
public static class TrainingCheckpoint
{
    public const string WeightsFile = ModelExporter.OpenClipWeightsFile;
    public const string ConfigFile = OpenClipConfigFile.FileName;
    const string OptimizerFile = "optimizer.safetensors";
    // What checkpoints held before the optimizer state became safetensors: TorchSharp's own binary format.
    const string EarlierOptimizerFile = "optimizer.bin";
    const string StateFile = "trainer_state.json";
    const string LatestFile = "latest";

    public static string Save(string runDirectory, ClipModel model, AdamWOptimizer optimizer, TrainingPosition position, int seed,
        TrainingPrecision precision)
    {
        string root = Path.Combine(runDirectory, "checkpoints");
        Directory.CreateDirectory(root);
        string name = $"step-{position.Step:D7}";
        string final = Path.Combine(root, name);
        AtomicFile.WriteDirectory(final, temporary =>
        {
            ModelExporter.WriteOpenClipFiles(temporary, model, new ImagePreprocessor(model.Config.Vision.ImageSize));
            var optimizerState = optimizer.StateTensors();
            SafeTensorsWriter.Write(Path.Combine(temporary, OptimizerFile), optimizerState, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var tensor in optimizerState.Values) tensor.Dispose();
            var state = new JsonObject
            {
                ["step"] = position.Step, ["epoch"] = position.Epoch, ["batch_in_epoch"] = position.BatchInEpoch, ["seed"] = seed,
                ["precision"] = PrecisionChoice.Name(precision),
            };
            AtomicFile.WriteAllText(Path.Combine(temporary, StateFile), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        });
        AtomicFile.WriteAllText(Path.Combine(root, LatestFile), name);
        return final;
    }

    /// <summary>Model weights and config, as a folder any ClipNet command (and OpenCLIP) can load.</summary>
    public static void WriteModel(string directory, ClipModel model) =>
        ModelExporter.WriteOpenClip(model, new ImagePreprocessor(model.Config.Vision.ImageSize), directory);

    public static string? Latest(string runDirectory)
    {
        string latest = Path.Combine(runDirectory, "checkpoints", LatestFile);
        if (!File.Exists(latest)) return null;
        string directory = Path.Combine(runDirectory, "checkpoints", File.ReadAllText(latest).Trim());
        return Directory.Exists(directory) ? directory : throw new ClipNetException($"{latest} names {directory}, which does not exist");
    }

    /// <summary>
    /// Restores weights and optimizer state from a checkpoint folder and returns where to continue, with the precision
    /// the run trained in (null for checkpoints written before it was recorded).
    /// </summary>
    public static (TrainingPosition Position, int Seed, TrainingPrecision? Precision) Restore(string checkpoint, ClipModel model, AdamWOptimizer optimizer)
    {
        string weightsPath = Path.Combine(checkpoint, WeightsFile);
        using (var weights = SafeTensorsFile.Open(weightsPath))
        {
            var tensors = weights.Tensors.Keys.ToDictionary(k => k, k => weights.Load(k).clone());
            WeightAssignment.Assign(model, tensors, weightsPath, model.DType, model.Device);
        }
        string optimizerPath = Path.Combine(checkpoint, OptimizerFile);
        if (!File.Exists(optimizerPath) && File.Exists(Path.Combine(checkpoint, EarlierOptimizerFile)))
            throw new ClipNetException(
                $"{checkpoint}: its optimizer state is in the format of earlier ClipNet versions ({EarlierOptimizerFile}), which cannot be resumed; " +
                $"start a new run with --init {checkpoint} to fine-tune from its weights");
        using (var optimizerFile = SafeTensorsFile.Open(optimizerPath))
            optimizer.LoadState(optimizerFile, optimizerPath);
        string statePath = Path.Combine(checkpoint, StateFile);
        var state = JsonNode.Parse(File.ReadAllText(statePath))!;
        var precision = state["precision"] is JsonNode name ? PrecisionChoice.Parse((string)name!, statePath) : (TrainingPrecision?)null;
        return (new TrainingPosition((int)state["step"]!, (int)state["epoch"]!, (int)state["batch_in_epoch"]!), (int)state["seed"]!, precision);
    }
}
