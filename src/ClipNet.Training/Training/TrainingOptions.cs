namespace ClipNet.Training;

public enum LossKind { Contrastive, Sigmoid }

/// <summary>Which tower stays frozen while fine-tuning: LiT locks the image tower and tunes text to it.</summary>
public enum TowerLock { None, Image, Text }

public enum TrainingPrecision
{
    Float32,
    /// <summary>Matrix work in bf16; master weights, LayerNorm and the loss in float32.</summary>
    BFloat16,
    /// <summary>
    /// Whichever of the two is faster on this machine for this model, measured on the run's first batch before training
    /// (<see cref="PrecisionChoice"/>); the choice is logged, recorded in the metrics and kept when the run is resumed.
    /// </summary>
    Auto,
}

/// <summary>Everything that decides a training run. The defaults follow the CLIP paper where it states them.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    /// <summary>Micro-batch size for gradient accumulation (0: whole batch at once). The loss still sees the whole batch.</summary>
    public int MicroBatchSize { get; init; }
    public double LearningRate { get; init; } = 5e-4;
    public double WeightDecay { get; init; } = 0.2;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.98;
    public double Epsilon { get; init; } = 1e-6;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Cosine;
    public int WarmupSteps { get; init; } = 100;
    public int CooldownSteps { get; init; }
    /// <summary>Clip the global gradient norm to this value (null: no clipping).</summary>
    public double? GradientClipNorm { get; init; }
    public LossKind Loss { get; init; } = LossKind.Contrastive;
    public TowerLock Lock { get; init; } = TowerLock.None;
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;
    /// <summary>Write a checkpoint every this many steps (0: only at the end).</summary>
    public int CheckpointEvery { get; init; }
    public int Seed { get; init; }
    /// <summary>Stop after this many steps in this invocation (a pause: the schedule still spans the full run).</summary>
    public int? StopAfterSteps { get; init; }

    /// <summary>
    /// Refuses values that cannot train before anything is opened: no epochs (an untrained model written with
    /// success), a NaN or infinite rate (a run that fails only when it writes its metrics), and the like. Options
    /// are named as `clip train` spells them.
    /// </summary>
    public TrainingOptions Validated()
    {
        static void Check(bool ok, string option, string rule, object value)
        {
            if (!ok) throw new ClipNetException($"{option} must be {rule}, got {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)}");
        }
        static bool Positive(double v) => double.IsFinite(v) && v > 0;
        Check(Epochs >= 1, "--epochs", "at least 1", Epochs);
        Check(BatchSize >= 2, "--batch-size", "at least 2 (a contrastive batch needs negatives)", BatchSize);
        Check(MicroBatchSize >= 0 && MicroBatchSize <= BatchSize, "--micro-batch", $"between 0 and the batch size {BatchSize}", MicroBatchSize);
        Check(Positive(LearningRate), "--lr", "a finite number above 0", LearningRate);
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, "--wd", "a finite number of at least 0", WeightDecay);
        Check(Beta1 >= 0 && Beta1 < 1, "beta1", "in [0, 1)", Beta1);
        Check(Beta2 >= 0 && Beta2 < 1, "--beta2", "in [0, 1)", Beta2);
        Check(Positive(Epsilon), "--eps", "a finite number above 0", Epsilon);
        Check(WarmupSteps >= 0, "--warmup", "at least 0", WarmupSteps);
        Check(CooldownSteps >= 0, "--cooldown", "at least 0", CooldownSteps);
        Check(GradientClipNorm is not double clip || Positive(clip), "--clip-grad", "a finite number above 0", GradientClipNorm!);
        Check(CheckpointEvery >= 0, "--checkpoint-every", "at least 0", CheckpointEvery);
        Check(StopAfterSteps is not int stop || stop >= 1, "stop after steps", "at least 1", StopAfterSteps!);
        return this;
    }
}
