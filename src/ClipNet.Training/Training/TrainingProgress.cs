namespace ClipNet.Training;

/// <summary>What a progress display shows after each step. InverseTemperature is exp(logit_scale) = 1/τ, the logits' multiplier.</summary>
public sealed record TrainingProgress(
    int Step, int TotalSteps, int Epoch, double Loss, double InverseTemperature, double LearningRate,
    double SamplesPerSecond, TimeSpan Eta);
