using System.Buffers;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Vision;

/// <summary>
/// CLIP's image preprocessing, <c>clip.clip._transform(n)</c>: resize the short side to n (Pillow bicubic
/// in the image's own mode), centre-crop n x n, convert to RGB, scale to 0..1 and normalise per channel.
/// Matches the reference (Pillow 9.4 + torchvision) bit for bit. Immutable, so one instance can serve
/// many threads.
/// </summary>
public sealed record ImagePreprocessor
{
    public static readonly IReadOnlyList<float> ClipMean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly IReadOnlyList<float> ClipStd = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Side of the square output, in pixels.</summary>
    public int Size
    {
        get => size;
        init => size = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Size), value, "size must be positive");
    }
    readonly int size;

    /// <summary>Length the short side is resized to before cropping; null (the reference) means <see cref="Size"/>.</summary>
    public int? ResizeShortSide { get; init; }
    public IReadOnlyList<float> Mean { get; init; } = ClipMean;
    public IReadOnlyList<float> Std { get; init; } = ClipStd;
    /// <summary>Turn images upright by their EXIF orientation first. Off by default, as in the reference.</summary>
    public bool ApplyExifOrientation { get; init; }

    public ImagePreprocessor(int size = 224) => Size = size;

    /// <summary>
    /// This preprocessor, after checking the values a config file gave it: three finite means and three
    /// positive finite standard deviations (a zero std divides every pixel by zero: NaN embeddings).
    /// </summary>
    public ImagePreprocessor Checked(string source)
    {
        if (Mean.Count != 3 || Mean.Any(m => !float.IsFinite(m)))
            throw new ClipNetException($"{source}: the image mean must be 3 finite numbers, got [{string.Join(", ", Mean)}]");
        if (Std.Count != 3 || Std.Any(s => !float.IsFinite(s) || s <= 0))
            throw new ClipNetException($"{source}: the image std must be 3 positive finite numbers, got [{string.Join(", ", Std)}] (a std of 0 would divide every pixel by zero)");
        if (Size > MaxSide || ResizeShortSide > MaxSide)
            throw new ClipNetException($"{source}: image size {Math.Max(Size, ResizeShortSide ?? 0)} is over the {MaxSide}-pixel limit");
        return this;
    }

    // No CLIP model reads images anywhere near this large; larger values are typos or hostile.
    const int MaxSide = 16384;

    /// <summary>Reads a Hugging Face <c>preprocessor_config.json</c> (CLIPImageProcessor).</summary>
    public static ImagePreprocessor FromPreprocessorConfig(string jsonPath) => PreprocessorConfigReader.Read(jsonPath);

    public float[] Preprocess(string path) => Preprocess(ImageDecoder.Decode(path, ApplyExifOrientation, reuseThreadBuffer: true));

    public float[] Preprocess(byte[] encoded, string nameForErrors) =>
        Preprocess(ImageDecoder.Decode(encoded, nameForErrors, ApplyExifOrientation, reuseThreadBuffer: true));

    /// <summary>The CHW float32 tensor data, length 3 * Size * Size.</summary>
    public float[] Preprocess(DecodedImage image)
    {
        var output = new float[3 * Size * Size];
        PreprocessInto(image, output);
        return output;
    }

    /// <summary>
    /// Preprocesses the images in parallel into one <c>[N, 3, Size, Size]</c> float32 tensor. A bad image
    /// raises its own <see cref="ClipNetException"/>, not the <see cref="AggregateException"/> around it.
    /// </summary>
    public Tensor PreprocessBatch(IReadOnlyList<string> paths)
    {
        return PixelBatch.Build(paths.Count, Size,
            (i, plane) => PreprocessInto(ImageDecoder.Decode(paths[i], ApplyExifOrientation, reuseThreadBuffer: true), plane));
    }

    /// <summary>The uint8 RGB image (Size x Size, interleaved) just before scaling and normalisation.</summary>
    public byte[] ResizeAndCropToRgb(DecodedImage image)
    {
        var (width, height, crop) = CropOfResized(image);
        return RgbConversion.ToRgb(PillowResize.Resize(image, width, height, crop));
    }

    /// <summary>The resized size and the centre crop in it; only the crop is ever computed.</summary>
    (int Width, int Height, PixelRegion Crop) CropOfResized(DecodedImage image)
    {
        int shortSide = ResizeShortSide ?? Size;
        var (width, height) = ResizeGeometry.ShortSideTo(image.Width, image.Height, shortSide);
        if (width < Size || height < Size)
            throw new ClipNetException($"cannot centre-crop {Size}x{Size} from an image resized to {width}x{height}; ResizeShortSide ({shortSide}) must be at least Size ({Size})");
        return (width, height, PixelRegion.CenterSquare(width, height, Size));
    }

    /// <summary>
    /// Writes the CHW float32 tensor data of <paramref name="image"/> into <paramref name="output"/> (length 3 * Size * Size),
    /// so a caller filling a batch or reusing a buffer allocates nothing per image.
    /// </summary>
    public void PreprocessInto(DecodedImage image, Span<float> output)
    {
        if (output.Length != 3 * Size * Size)
            throw new ArgumentException($"a {Size}x{Size} image needs {3 * Size * Size} floats, got {output.Length}", nameof(output));
        if (Mean.Count != 3 || Std.Count != 3)
            throw new ClipNetException($"image preprocessing needs 3 mean and 3 std values, got {Mean.Count} and {Std.Count}");
        Span<float> mean = [Mean[0], Mean[1], Mean[2]], std = [Std[0], Std[1], Std[2]];
        if (image.Mode is not (ImageMode.RGB or ImageMode.L))
        {
            PixelNormalization.Normalize(ResizeAndCropToRgb(image), Size, Size, mean, std, output);
            return;
        }
        // RGB and grey, nearly every photo: their resized bytes need no colour conversion, so the crop is resized
        // into a pooled buffer and normalised from there (grey straight into all three planes).
        var (width, height, crop) = CropOfResized(image);
        int bytes = Size * Size * image.BytesPerPixel;
        var pixels = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            PillowResize.ResizeInto(image, width, height, crop, pixels.AsSpan(0, bytes));
            PixelNormalization.Normalize(pixels.AsSpan(0, bytes), Size, Size, image.BytesPerPixel, mean, std, output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }
    }
}
