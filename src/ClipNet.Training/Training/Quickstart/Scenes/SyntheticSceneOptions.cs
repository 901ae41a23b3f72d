namespace ClipNet.Training;

/// <summary>How synthetic scenes are drawn: image side in pixels, the seed that makes every sample
/// reproducible, the share of training scenes with two shapes, and the amplitude of the per-pixel noise
/// (0 gives a plain background).</summary>
public sealed record SyntheticSceneOptions(
    int ImageSize = 64,
    int Seed = 0,
    double TwoShapeFraction = 0.5,
    int NoiseAmplitude = 6)
{
    public const int MinImageSize = 16;
    public const int MaxImageSize = 1024;

    public void Validate()
    {
        if (ImageSize is < MinImageSize or > MaxImageSize)
            throw new ClipNetException(
                $"Synthetic image size {ImageSize} px is out of range: use {MinImageSize} to {MaxImageSize} px.");
        if (TwoShapeFraction is < 0 or > 1 || double.IsNaN(TwoShapeFraction))
            throw new ClipNetException(
                $"Synthetic two-shape fraction {TwoShapeFraction} is not a fraction: use a value from 0 to 1.");
        if (NoiseAmplitude is < 0 or > 64)
            throw new ClipNetException(
                $"Synthetic noise amplitude {NoiseAmplitude} is out of range: use 0 (plain) to 64.");
    }
}
