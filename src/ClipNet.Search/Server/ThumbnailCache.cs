using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ClipNet.IO;
using ClipNet.Vision;
using SkiaSharp;

namespace ClipNet.Search.Server;

/// <summary>
/// JPEG thumbnails of indexed photos, made once and kept on disk. Each is turned upright by the photo's EXIF
/// orientation (with the core's decoder, as the index embeds it) and scaled with Pillow's bicubic filter so its
/// longer side is <see cref="MaxSide"/>. A thumbnail's name is a hash of the photo's path, size and
/// modification time, so an edited photo gets a new thumbnail and the same name serves as the HTTP ETag.
/// </summary>
public sealed class ThumbnailCache
{
    public const int DefaultMaxSide = 320;
    const int JpegQuality = 85;

    readonly ConcurrentDictionary<string, Lazy<byte[]>> making = new();

    public string Directory { get; }
    public int MaxSide { get; }

    public ThumbnailCache(string directory, int maxSide = DefaultMaxSide)
    {
        Directory = Path.GetFullPath(directory);
        MaxSide = maxSide > 0 ? maxSide : throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, "must be positive");
    }

    /// <summary>The cache key (and ETag) of a photo as it is now on disk.</summary>
    public string Key(string sourcePath, long bytes, DateTime modifiedUtc) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{sourcePath}\n{bytes}\n{modifiedUtc.Ticks}\n{MaxSide}")))[..32];

    /// <summary>The thumbnail's JPEG bytes, read from the cache or made now and stored (atomically) for next time.</summary>
    public byte[] Get(string sourcePath, string key)
    {
        string file = Path.Combine(Directory, key[..2], key + ".jpg");
        if (File.Exists(file)) return File.ReadAllBytes(file);
        // Concurrent requests for one thumbnail wait for a single maker instead of each decoding the photo.
        var made = making.GetOrAdd(key, _ => new Lazy<byte[]>(() =>
        {
            var jpeg = Make(sourcePath, MaxSide);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            AtomicFile.WriteAllBytes(file, jpeg);
            return jpeg;
        }));
        try
        {
            return made.Value;
        }
        finally
        {
            making.TryRemove(key, out _);
        }
    }

    /// <summary>Decodes the photo upright and encodes a JPEG whose longer side is at most <paramref name="maxSide"/>.</summary>
    public static byte[] Make(string sourcePath, int maxSide)
    {
        var image = ImageDecoder.Decode(sourcePath, applyExifOrientation: true);
        var rgb = RgbConversion.ToRgb(image);
        int width = image.Width, height = image.Height;
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(width, height));
        if (scale < 1.0)
        {
            int outWidth = Math.Max(1, (int)Math.Round(width * scale)), outHeight = Math.Max(1, (int)Math.Round(height * scale));
            rgb = PillowResize.Bicubic(rgb, width, height, 3, outWidth, outHeight);
            (width, height) = (outWidth, outHeight);
        }
        var rgba = new byte[width * height * 4];
        for (int i = 0, n = width * height; i < n; i++)
        {
            rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2]; rgba[4 * i + 3] = 255;
        }
        using var skia = SKImage.FromPixelCopy(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
        using var jpeg = skia.Encode(SKEncodedImageFormat.Jpeg, JpegQuality);
        return jpeg.ToArray();
    }
}
