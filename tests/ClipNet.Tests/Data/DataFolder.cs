using System.Formats.Tar;
using System.Text;
using SkiaSharp;

namespace ClipNet.Tests.Data;

/// <summary>A fresh temp folder for dataset files written by a test, deleted with everything in it on dispose.</summary>
sealed class DataFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("clipnet-data-").FullName;

    /// <summary>The full path of <paramref name="relative"/>, its folder created.</summary>
    public string File(string relative)
    {
        string path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return path;
    }

    public string WriteText(string relative, string text)
    {
        string path = File(relative);
        System.IO.File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public string WriteBytes(string relative, byte[] bytes)
    {
        string path = File(relative);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes <see cref="Image"/> as PNG, or JPEG when the name ends in .jpg.</summary>
    public string WriteImage(string relative, int shade, int width = 24, int height = 20) =>
        WriteBytes(relative, Image(shade, width, height, relative.EndsWith(".jpg") ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png));

    /// <summary>
    /// An RGB image whose red channel is <paramref name="shade"/> everywhere, so a test can tell images apart
    /// after resizing, and whose green and blue are gradients, so crops differ.
    /// </summary>
    public static byte[] Image(int shade, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * 4;
                rgba[o] = (byte)shade;
                rgba[o + 1] = (byte)(x * 255 / (width - 1));
                rgba[o + 2] = (byte)(y * 255 / (height - 1));
                rgba[o + 3] = 255;
            }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba);
        using var encoded = image.Encode(format, 95);
        return encoded.ToArray();
    }

    /// <summary>Writes a tar file holding the given members, in order, in the default (PAX) format.</summary>
    public string WriteTar(string relative, params (string Name, byte[] Data)[] members)
    {
        string path = File(relative);
        using var stream = System.IO.File.Create(path);
        using var writer = new TarWriter(stream);
        foreach (var (name, data) in members)
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return path;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
