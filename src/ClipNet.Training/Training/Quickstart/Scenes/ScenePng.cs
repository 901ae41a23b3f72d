using SkiaSharp;

namespace ClipNet.Training;

/// <summary>Writes a sample as a PNG file, for reports and for looking at what the model is trained on.</summary>
public static class ScenePng
{
    public static void Save(SceneSample sample, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
            throw new ClipNetException($"Cannot write '{path}': the folder '{directory}' does not exist.");

        var rgba = new byte[sample.Size * sample.Size * 4];
        for (int source = 0, target = 0; source < sample.Rgb.Length; source += 3, target += 4)
        {
            sample.Rgb.AsSpan(source, 3).CopyTo(rgba.AsSpan(target));
            rgba[target + 3] = 255;
        }
        var info = new SKImageInfo(sample.Size, sample.Size, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }
}
