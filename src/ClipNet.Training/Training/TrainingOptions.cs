namespace ClipNet.Training;

public enum LossKind { Contrastive, Sigmoid }

/// <summary>Which tower stays frozen while fine-tuning: LiT locks the image tower and tunes text to it.</summary>
public enum TowerLock { None, Image, Text }

public enum TrainingPrecision
{
    Float32,
    /// <summary>Matrix work in bf16; master weights, LayerNorm and the loss in float32.</summary>
    BFloat16,
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
}
