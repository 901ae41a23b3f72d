namespace ClipNet.Training.Quickstart;

/// <summary>
/// Zero-shot top-1 accuracy on colour–shape pairs never seen in training, on seen pairs, and chance; where the
/// report, the trained model and the held-out scenes (as PNG files) were written.
/// </summary>
public sealed record QuickstartResult(double HeldOutAccuracy, double SeenAccuracy, double ChanceAccuracy,
    double UntrainedHeldOutAccuracy, int Steps, TimeSpan Duration, string ReportDirectory, string ModelDirectory, string ScenesDirectory);
