using System.Runtime.InteropServices;

namespace ClipNet.Vision;

/// <summary>
/// A decoded image as Pillow holds it: its mode, size and pixels, row-major and interleaved with
/// <see cref="ImageModeExtensions.BytesPerPixel"/> bytes per pixel (for mode I, native int32 values).
/// </summary>
public sealed class DecodedImage
{
    public ImageMode Mode { get; }
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public DecodedImage(ImageMode mode, int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        long expected = (long)width * height * mode.BytesPerPixel();
        if (pixels.LongLength != expected)
            throw new ArgumentException($"a {width}x{height} {mode.PillowName()} image needs {expected} bytes, got {pixels.LongLength}");
        Mode = mode; Width = width; Height = height; Pixels = pixels;
    }

    public int BytesPerPixel => Mode.BytesPerPixel();

    /// <summary>The int32 values of a mode-I image.</summary>
    public ReadOnlySpan<int> Int32Values =>
        Mode == ImageMode.I ? MemoryMarshal.Cast<byte, int>(Pixels) : throw new InvalidOperationException($"a {Mode.PillowName()} image has no int32 values");

    public static DecodedImage FromInt32(int width, int height, int[] values) =>
        new(ImageMode.I, width, height, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public DecodedImage Crop(int left, int top, int width, int height)
    {
        if (left < 0 || top < 0 || width <= 0 || height <= 0 || left + width > Width || top + height > Height)
            throw new ArgumentOutOfRangeException(nameof(left), $"crop {width}x{height} at ({left}, {top}) does not fit in a {Width}x{Height} image");
        int bpp = BytesPerPixel;
        var cropped = new byte[(long)width * height * bpp];
        for (int y = 0; y < height; y++)
            Pixels.AsSpan(((top + y) * Width + left) * bpp, width * bpp).CopyTo(cropped.AsSpan(y * width * bpp));
        return new DecodedImage(Mode, width, height, cropped);
    }
}
