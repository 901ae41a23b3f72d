using ClipNet.IO;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ClipNet.Model;
using ClipNet.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>What a finished (or paused) run produced.</summary>
public sealed record TrainingResult(int StepsTaken, int TotalSteps, double LastLoss, string? LastCheckpoint, string MetricsPath);

/// <summary>
/// Contrastive training: AdamW with decoupled weight decay on matrices only, warmup then the chosen schedule,
/// optional gradient clipping, the temperature clamped to [0, ln 100] after every step, checkpoints every N
/// steps and at the end, metrics as JSON Lines, and an evaluation callback after every epoch.
/// </summary>
public sealed class Trainer(ClipModel model, TrainingOptions options, ITrainingBatches data, string runDirectory)
{
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Messages for the user, such as the precision <see cref="TrainingPrecision.Auto"/> chose and why.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Runs before training (epoch −1) and after every epoch; its metrics (e.g. zero-shot accuracy) go into the metrics log.</summary>
    public Func<ClipModel, int, IReadOnlyDictionary<string, double>>? EvaluateEpoch { get; init; }

    public int TotalSteps => options.Epochs * data.BatchesPerEpoch;

    public TrainingResult Run(bool resume = false)
    {
        options.Validated();
        // A run killed while writing a checkpoint left its temporary folder; checkpoints of later steps have other names.
        AtomicFile.RemoveLeftovers(Path.Combine(runDirectory, "checkpoints"));
        Directory.CreateDirectory(runDirectory);
        ApplyLock();
        var optimizer = WeightDecayGroups.CreateAdamW(model, options.LearningRate, options.WeightDecay,
            options.Beta1, options.Beta2, options.Epsilon);
        var position = new TrainingPosition(0, 0, 0);
        TrainingPrecision? resumedPrecision = null;
        if (resume)
        {
            string checkpoint = TrainingCheckpoint.Latest(runDirectory)
                ?? throw new ClipNetException($"{runDirectory}: no checkpoint to resume from");
            (position, int seed, resumedPrecision) = TrainingCheckpoint.Restore(checkpoint, model, optimizer);
            if (seed != options.Seed)
                throw new ClipNetException($"{checkpoint}: was trained with seed {seed}, but this run asks for seed {options.Seed}");
        }

        var schedule = new LearningRateSchedule(options.Schedule, options.LearningRate, options.WarmupSteps, TotalSteps, options.CooldownSteps);
        var step = new ContrastiveStep(model, options.Loss, options.Lock, options.MicroBatchSize);
        using var metrics = new MetricsLog(Path.Combine(runDirectory, "metrics.jsonl"), position.Step);
        var precision = ResolvePrecision(step, position, resumedPrecision, metrics);
        var computeType = PrecisionChoice.ComputeType(precision);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        int stepsThisRun = 0, current = position.Step;
        double lastLoss = double.NaN;
        string? lastCheckpoint = null;
        var clock = Stopwatch.StartNew();
        long samplesThisRun = 0;

        // A fresh run's curve starts from the untrained model, so the gain from training is visible.
        if (position.Step == 0) Evaluate(metrics, step: 0, epoch: -1);

        for (int epoch = position.Epoch; epoch < options.Epochs; epoch++)
        {
            int batchIndex = epoch == position.Epoch ? position.BatchInEpoch : 0;
            foreach (var batch in data.Epoch(epoch, batchIndex))
            {
                using var scope = NewDisposeScope();
                double rate = schedule.At(current);
                optimizer.LearningRate = rate;
                optimizer.ZeroGrad();
                LossOutput output;
                using (model.Precision.Use(computeType))
                    output = step.Run(batch);
                double? gradientNorm = options.GradientClipNorm is double maxNorm
                    ? nn.utils.clip_grad_norm_(trainable, maxNorm) : null;
                optimizer.Step();
                model.ClampLogitScale();

                current++; stepsThisRun++; batchIndex++;
                samplesThisRun += batch.Count;
                batch.Dispose();
                lastLoss = output.Loss.item<float>();
                double inverseTemperature = model.InverseTemperature;
                double samplesPerSecond = samplesThisRun / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                var record = new JsonObject
                {
                    ["step"] = current, ["epoch"] = epoch, ["loss"] = lastLoss, ["inverse_temperature"] = inverseTemperature,
                    ["lr"] = rate, ["samples_per_s"] = samplesPerSecond, ["precision"] = PrecisionChoice.Name(precision),
                };
                if (gradientNorm is double norm) record["grad_norm"] = norm;
                metrics.Write(record);
                var eta = TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / stepsThisRun * (TotalSteps - current));
                Progress?.Report(new TrainingProgress(current, TotalSteps, epoch, lastLoss, inverseTemperature, rate, samplesPerSecond, eta));

                var here = new TrainingPosition(current, epoch, batchIndex);
                bool pause = options.StopAfterSteps is int stopAfter && stepsThisRun >= stopAfter;
                if ((options.CheckpointEvery > 0 && current % options.CheckpointEvery == 0) || pause)
                    lastCheckpoint = TrainingCheckpoint.Save(runDirectory, model, optimizer, here, options.Seed, precision);
                if (pause) return new TrainingResult(stepsThisRun, TotalSteps, lastLoss, lastCheckpoint, metrics.Path);
            }
            Evaluate(metrics, current, epoch);
        }
        if (lastCheckpoint is null || !lastCheckpoint.EndsWith($"step-{current:D7}"))
            lastCheckpoint = TrainingCheckpoint.Save(runDirectory, model, optimizer, new TrainingPosition(current, options.Epochs, 0), options.Seed, precision);
        return new TrainingResult(stepsThisRun, TotalSteps, lastLoss, lastCheckpoint, metrics.Path);
    }

    /// <summary>
    /// The precision to train in: the one asked for; for <see cref="TrainingPrecision.Auto"/>, the one a resumed run
    /// trained in (so it continues bit-exactly), else the faster of the two measured on the first batch, recorded in
    /// the metrics (with both rates) and logged.
    /// </summary>
    TrainingPrecision ResolvePrecision(ContrastiveStep step, TrainingPosition position, TrainingPrecision? resumed, MetricsLog metrics)
    {
        if (options.Precision != TrainingPrecision.Auto) return options.Precision;
        if (resumed is TrainingPrecision kept)
        {
            Log?.Invoke($"Precision: {PrecisionChoice.Name(kept)}, as chosen when this run started");
            return kept;
        }
        PrecisionMeasurement measured;
        // Any batch measures the same work; the data's first is the one every run has.
        using (var batches = data.Epoch(0, 0).GetEnumerator())
        {
            if (!batches.MoveNext()) return TrainingPrecision.Float32;
            using var batch = batches.Current;
            measured = PrecisionChoice.Measure(model, step, batch);
        }
        metrics.Write(new JsonObject
        {
            ["step"] = position.Step, ["precision"] = PrecisionChoice.Name(measured.Chosen),
            ["float32_samples_per_s"] = measured.Float32SamplesPerSecond, ["bfloat16_samples_per_s"] = measured.BFloat16SamplesPerSecond,
        });
        Log?.Invoke(measured.Describe());
        return measured.Chosen;
    }

    void Evaluate(MetricsLog metrics, int step, int epoch)
    {
        if (EvaluateEpoch is null) return;
        model.eval();
        var evaluation = new JsonObject { ["step"] = step, ["epoch"] = epoch };
        using (torch.no_grad())
            foreach (var (key, value) in EvaluateEpoch(model, epoch)) evaluation[key] = value;
        metrics.Write(evaluation);
        ApplyLock();
    }

    /// <summary>Freezes the locked tower (no gradients, BatchNorm statistics fixed) and puts the rest in training mode.</summary>
    void ApplyLock()
    {
        model.train();
        if (options.Lock == TowerLock.Image)
        {
            model.visual.eval();
            foreach (var p in model.visual.parameters()) p.requires_grad = false;
        }
        else if (options.Lock == TowerLock.Text)
        {
            foreach (var (name, p) in model.named_parameters())
                if (!name.StartsWith("visual.") && name is not ("logit_scale" or "logit_bias")) p.requires_grad = false;
        }
    }
}
