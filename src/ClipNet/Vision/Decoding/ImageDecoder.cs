using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SkiaSharp;

namespace ClipNet.Vision;

/// <summary>
/// Decodes an image file into what <c>PIL.Image.open</c> gives: the same mode and the same pixels.
/// Skia does the decoding (its JPEG decoder is libjpeg-turbo with the same default IDCT and upsampling as
/// Pillow's, so RGB and grayscale JPEGs match bit for bit); the file's own header says which mode Pillow
/// would use. Two cases Skia cannot serve exactly are decoded here: 16-bit grayscale PNGs (full 16-bit
/// values) and CMYK JPEGs (raw ink values, which Skia only returns converted to RGB).
/// Formats other than PNG and JPEG get Skia's pixels with a mode guessed from Pillow's usual behaviour
/// (GIF as a palette image, others RGB or RGBA); they have not been compared with Pillow.
/// </summary>
public static class ImageDecoder
{
    /// <summary>The environment variable that overrides <see cref="MaxPixels"/> (a pixel count; 0 turns the limit off).</summary>
    public const string MaxPixelsVariable = "CLIPNET_MAX_IMAGE_PIXELS";

    /// <summary>Pillow's decompression-bomb threshold (2 × <c>Image.MAX_IMAGE_PIXELS</c>), where Pillow refuses an image.</summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>
    /// Images with more pixels are refused from their header, before any pixel memory is allocated: a 1 MB PNG
    /// can declare 20000 × 20000 pixels, 1.6 GB once decoded. Set from <see cref="MaxPixelsVariable"/> when it is
    /// present; 0 or less means no limit.
    /// </summary>
    public static long MaxPixels
    {
        get => maxPixels ??= ReadMaxPixels();
        set => maxPixels = value;
    }
    static long? maxPixels;

    static long ReadMaxPixels()
    {
        string? text = Environment.GetEnvironmentVariable(MaxPixelsVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultMaxPixels;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new ClipNetException($"{MaxPixelsVariable}={text}: expected a whole number of pixels (0 turns the limit off)");
    }

    public static DecodedImage Decode(string path, bool applyExifOrientation = false, bool reuseThreadBuffer = false) =>
        Decode(ReadFile(path), path, applyExifOrientation, reuseThreadBuffer);

    /// <param name="encoded">The file's bytes.</param>
    /// <param name="nameForErrors">How error messages name the image (usually its path).</param>
    /// <param name="applyExifOrientation">Turn the image upright as a viewer would (the reference does not).</param>
    /// <param name="reuseThreadBuffer">
    /// For a caller that is done with the pixels before its thread decodes again (preprocessing straight into a batch):
    /// the pixels of an image Skia decodes go into the array this thread's previous such call returned, when the sizes
    /// match, so the image is valid only until then. Why: a fresh 640×480 array is a megabyte of new pages, and faulting
    /// them in cost half as much as Skia's decode itself (measured: 4.3 ms a photo instead of 2.5).
    /// </param>
    public static DecodedImage Decode(byte[] encoded, string nameForErrors, bool applyExifOrientation = false, bool reuseThreadBuffer = false)
    {
        if (encoded.Length == 0) throw NotAnImage(nameForErrors, "empty file");
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw NotAnImage(nameForErrors, "unrecognised format or corrupt header");
        long pixels = (long)codec.Info.Width * codec.Info.Height;
        if (codec.Info.Width <= 0 || codec.Info.Height <= 0)
            throw NotAnImage(nameForErrors, $"invalid dimensions {codec.Info.Width}x{codec.Info.Height}");
        if (MaxPixels > 0 && pixels > MaxPixels)
            throw new ClipNetException($"{nameForErrors}: the image is {codec.Info.Width}x{codec.Info.Height} = {pixels} pixels, over the limit of {MaxPixels} " +
                $"(a decompression bomb, or a very large image; raise the limit with {MaxPixelsVariable}=N)");
        // Decoding goes through one RGBA buffer, which a .NET array must hold whatever the limit.
        if (pixels * 4 > Array.MaxLength)
            throw NotAnImage(nameForErrors, $"{codec.Info.Width}x{codec.Info.Height} pixels is too large to decode in memory");
        DecodedImage image;
        try
        {
            image = DecodePixels(encoded, codec, nameForErrors, reuseThreadBuffer);
        }
        catch (InvalidDataException e)
        {
            throw NotAnImage(nameForErrors, e.Message);
        }
        return applyExifOrientation ? ExifOrientation.Apply(image, (int)codec.EncodedOrigin) : image;
    }

    static DecodedImage DecodePixels(byte[] encoded, SKCodec codec, string name, bool reuseThreadBuffer)
    {
        int width = codec.Info.Width, height = codec.Info.Height;
        switch (codec.EncodedFormat)
        {
            case SKEncodedImageFormat.Png:
                var header = PngHeader.Read(encoded);
                return header.PillowMode == ImageMode.I
                    ? DecodedImage.FromInt32(width, height, PngGray16Decoder.Decode(encoded, header))
                    : FromSkia(codec, header.PillowMode, name, reuseThreadBuffer);
            case SKEncodedImageFormat.Jpeg:
                int components = JpegSegmentReader.ComponentCount(encoded);
                if (components == 4)
                {
                    var cmyk = CmykJpegDecoder.TryDecode(encoded, out int w, out int h);
                    // Coding features the CMYK decoder does not reproduce fall back to Skia's RGB, which
                    // then gets resized in RGB rather than CMYK: close to the reference, not identical.
                    return cmyk is null ? FromSkia(codec, ImageMode.RGB, name, reuseThreadBuffer) : new DecodedImage(ImageMode.CMYK, w, h, cmyk);
                }
                return FromSkia(codec, components == 1 ? ImageMode.L : ImageMode.RGB, name, reuseThreadBuffer);
            case SKEncodedImageFormat.Gif:
                return FromSkia(codec, ImageMode.P, name, reuseThreadBuffer);
            default:
                return FromSkia(codec, codec.Info.AlphaType == SKAlphaType.Opaque ? ImageMode.RGB : ImageMode.RGBA, name, reuseThreadBuffer);
        }
    }

    /// <summary>The pixel array this thread's last decode with <c>reuseThreadBuffer</c> returned.</summary>
    [ThreadStatic] static byte[]? threadPixels;

    /// <summary>
    /// Decodes with Skia to straight (unpremultiplied) RGBA without colour management, which keeps the
    /// stored samples (16-bit ones as their high byte, as Pillow reads them), then keeps the mode's channels.
    /// </summary>
    static unsafe DecodedImage FromSkia(SKCodec codec, ImageMode mode, string name, bool reuseThreadBuffer)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul, null);
        // The RGBA buffer only passes the pixels on: pooled, it is not allocated (and zeroed) again for every image.
        var rgba = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        try
        {
            SKCodecResult result;
            fixed (byte* address = rgba) result = codec.GetPixels(info, (IntPtr)address);
            if (result != SKCodecResult.Success)
                throw NotAnImage(name, result == SKCodecResult.IncompleteInput ? "truncated file" : $"corrupt image data ({result})");

            int count = info.Width * info.Height, length = count * mode.BytesPerPixel();
            // Every byte is written below, so a new array need not be zeroed first.
            var pixels = reuseThreadBuffer && threadPixels?.Length == length ? threadPixels : GC.AllocateUninitializedArray<byte>(length);
            if (reuseThreadBuffer) threadPixels = pixels;
            SelectChannels(rgba.AsSpan(0, count * 4), pixels, mode);
            return new DecodedImage(mode, info.Width, info.Height, pixels);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    /// <summary>
    /// Copies the channels <paramref name="mode"/> keeps out of Skia's RGBA pixels. RGB, nearly every photo, takes four
    /// pixels per byte shuffle where the CPU has one: a per-byte loop over a 640×480 image took 40 % as long as Skia's
    /// JPEG decode itself.
    /// </summary>
    static void SelectChannels(ReadOnlySpan<byte> rgba, Span<byte> pixels, ImageMode mode)
    {
        int count = rgba.Length / 4, i = 0;
        switch (mode)
        {
            case ImageMode.P or ImageMode.RGB:
                if (Ssse3.IsSupported)
                {
                    // Indices with the top bit set give zero; those four bytes are overwritten by the next store, and
                    // the loop stops while a whole 16-byte store still fits in the output.
                    var rgbOfFourPixels = Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
                    ref byte source = ref MemoryMarshal.GetReference(rgba), target = ref MemoryMarshal.GetReference(pixels);
                    for (; i <= count - 6; i += 4)
                        Ssse3.Shuffle(Vector128.LoadUnsafe(ref source, (nuint)(4 * i)), rgbOfFourPixels).StoreUnsafe(ref target, (nuint)(3 * i));
                }
                for (; i < count; i++)
                {
                    pixels[3 * i] = rgba[4 * i];
                    pixels[3 * i + 1] = rgba[4 * i + 1];
                    pixels[3 * i + 2] = rgba[4 * i + 2];
                }
                break;
            case ImageMode.RGBA:
                rgba.CopyTo(pixels);
                break;
            case ImageMode.Bilevel or ImageMode.L:
                for (; i < count; i++) pixels[i] = rgba[4 * i];
                break;
            case ImageMode.LA:
                for (; i < count; i++)
                {
                    pixels[2 * i] = rgba[4 * i];
                    pixels[2 * i + 1] = rgba[4 * i + 3];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Skia does not decode this mode");
        }
    }

    static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path)) throw new ClipNetException($"{path}: is a directory, not an image file");
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"{path}: cannot read the file ({e.Message})", e);
        }
    }

    static ClipNetException NotAnImage(string name, string problem) => new($"{name}: not a decodable image ({problem})");
}
