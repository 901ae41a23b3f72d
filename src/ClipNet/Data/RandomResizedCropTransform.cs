using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>
/// OpenCLIP's training transform: torchvision's <c>RandomResizedCrop(size, scale, ratio, BICUBIC)</c> on the
/// image in its own mode, then conversion to RGB and the same normalisation as evaluation. The default
/// scale range 0.9–1.0 is OpenCLIP's: a mild crop that keeps nearly all of what the caption describes.
/// </summary>
public sealed class RandomResizedCropTransform : IImageTransform
{
    public RandomResizedCropTransform(int size, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null,
        IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be positive");
        Size = size;
        Scale = scale ?? (0.9, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (Scale.Min <= 0 || Scale.Min > Scale.Max)
            throw new ClipNetException($"random crop scale range ({Scale.Min}, {Scale.Max}) must satisfy 0 < min <= max");
        if (Ratio.Min <= 0 || Ratio.Min > Ratio.Max)
            throw new ClipNetException($"random crop aspect ratio range ({Ratio.Min}, {Ratio.Max}) must satisfy 0 < min <= max");
        Mean = [.. mean ?? ImagePreprocessor.ClipMean];
        Std = [.. std ?? ImagePreprocessor.ClipStd];
        if (Mean.Length != 3 || Std.Length != 3)
            throw new ClipNetException($"image normalisation needs 3 mean and 3 std values, got {Mean.Length} and {Std.Length}");
    }

    /// <summary>The same size, mean and std as an evaluation preprocessor, so training and evaluation inputs agree.</summary>
    public static RandomResizedCropTransform Matching(ImagePreprocessor preprocessor) =>
        new(preprocessor.Size, mean: preprocessor.Mean, std: preprocessor.Std);

    public int Size { get; }
    /// <summary>Range of the crop's area as a fraction of the image's.</summary>
    public (double Min, double Max) Scale { get; }
    /// <summary>Range of the crop's width / height.</summary>
    public (double Min, double Max) Ratio { get; }
    public float[] Mean { get; }
    public float[] Std { get; }

    public float[] Apply(DecodedImage image, Random random)
    {
        var (left, top, width, height) = CropBox(image.Width, image.Height, random);
        var resized = PillowResize.Resize(image.Crop(left, top, width, height), Size, Size);
        var output = new float[3 * Size * Size];
        PixelNormalization.Normalize(RgbConversion.ToRgb(resized), Size, Size, Mean, Std, output);
        return output;
    }

    /// <summary>
    /// torchvision's <c>RandomResizedCrop.get_params</c>: up to ten tries of a random area and log-uniform
    /// aspect ratio that fit in the image, else the largest centred crop whose ratio is within range.
    /// </summary>
    public (int Left, int Top, int Width, int Height) CropBox(int imageWidth, int imageHeight, Random random)
    {
        double area = (double)imageWidth * imageHeight;
        double logMin = Math.Log(Ratio.Min), logMax = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * Uniform(random, Scale.Min, Scale.Max);
            double aspect = Math.Exp(Uniform(random, logMin, logMax));
            int width = RoundHalfEven(Math.Sqrt(targetArea * aspect));
            int height = RoundHalfEven(Math.Sqrt(targetArea / aspect));
            if (width > 0 && width <= imageWidth && height > 0 && height <= imageHeight)
            {
                int top = random.Next(imageHeight - height + 1);
                int left = random.Next(imageWidth - width + 1);
                return (left, top, width, height);
            }
        }
        double imageRatio = (double)imageWidth / imageHeight;
        var (w, h) = imageRatio < Ratio.Min ? (imageWidth, RoundHalfEven(imageWidth / Ratio.Min))
            : imageRatio > Ratio.Max ? (RoundHalfEven(imageHeight * Ratio.Max), imageHeight)
            : (imageWidth, imageHeight);
        return ((imageWidth - w) / 2, (imageHeight - h) / 2, w, h);
    }

    static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();

    // Python's round(), which torchvision uses for the crop size.
    static int RoundHalfEven(double value) => (int)Math.Round(value, MidpointRounding.ToEven);
}
