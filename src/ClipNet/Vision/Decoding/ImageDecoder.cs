using System.Buffers;
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

    public static DecodedImage Decode(string path, bool applyExifOrientation = false) =>
        Decode(ReadFile(path), path, applyExifOrientation);

    /// <param name="encoded">The file's bytes.</param>
    /// <param name="nameForErrors">How error messages name the image (usually its path).</param>
    /// <param name="applyExifOrientation">Turn the image upright as a viewer would (the reference does not).</param>
    public static DecodedImage Decode(byte[] encoded, string nameForErrors, bool applyExifOrientation = false)
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
            image = DecodePixels(encoded, codec, nameForErrors);
        }
        catch (InvalidDataException e)
        {
            throw NotAnImage(nameForErrors, e.Message);
        }
        return applyExifOrientation ? ExifOrientation.Apply(image, (int)codec.EncodedOrigin) : image;
    }

    static DecodedImage DecodePixels(byte[] encoded, SKCodec codec, string name)
    {
        int width = codec.Info.Width, height = codec.Info.Height;
        switch (codec.EncodedFormat)
        {
            case SKEncodedImageFormat.Png:
                var header = PngHeader.Read(encoded);
                return header.PillowMode == ImageMode.I
                    ? DecodedImage.FromInt32(width, height, PngGray16Decoder.Decode(encoded, header))
                    : FromSkia(codec, header.PillowMode, name);
            case SKEncodedImageFormat.Jpeg:
                int components = JpegSegmentReader.ComponentCount(encoded);
                if (components == 4)
                {
                    var cmyk = CmykJpegDecoder.TryDecode(encoded, out int w, out int h);
                    // Coding features the CMYK decoder does not reproduce fall back to Skia's RGB, which
                    // then gets resized in RGB rather than CMYK: close to the reference, not identical.
                    return cmyk is null ? FromSkia(codec, ImageMode.RGB, name) : new DecodedImage(ImageMode.CMYK, w, h, cmyk);
                }
                return FromSkia(codec, components == 1 ? ImageMode.L : ImageMode.RGB, name);
            case SKEncodedImageFormat.Gif:
                return FromSkia(codec, ImageMode.P, name);
            default:
                return FromSkia(codec, codec.Info.AlphaType == SKAlphaType.Opaque ? ImageMode.RGB : ImageMode.RGBA, name);
        }
    }

    /// <summary>
    /// Decodes with Skia to straight (unpremultiplied) RGBA without colour management, which keeps the
    /// stored samples (16-bit ones as their high byte, as Pillow reads them), then keeps the mode's channels.
    /// </summary>
    static unsafe DecodedImage FromSkia(SKCodec codec, ImageMode mode, string name)
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

            int count = info.Width * info.Height, bpp = mode.BytesPerPixel();
            var pixels = new byte[count * bpp];
            int[] channels = mode switch
            {
                ImageMode.Bilevel or ImageMode.L => [0],
                ImageMode.LA => [0, 3],
                ImageMode.P or ImageMode.RGB => [0, 1, 2],
                ImageMode.RGBA => [0, 1, 2, 3],
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Skia does not decode this mode"),
            };
            for (int i = 0; i < count; i++)
                for (int c = 0; c < bpp; c++)
                    pixels[i * bpp + c] = rgba[i * 4 + channels[c]];
            return new DecodedImage(mode, info.Width, info.Height, pixels);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
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
