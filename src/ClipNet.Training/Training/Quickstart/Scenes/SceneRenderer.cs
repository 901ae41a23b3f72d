using SkiaSharp;

namespace ClipNet.Training;

/// <summary>
/// Draws placed shapes with antialiasing on a dark background and returns the image as RGB bytes
/// (height × width × 3, row-major). Colours, background tint and noise are jittered from the given
/// random source, so the same source always gives the same bytes.
/// </summary>
internal static class SceneRenderer
{
    const float HueJitterDegrees = 4;
    const int BytesPerRgbaPixel = 4;

    public static byte[] Draw(IReadOnlyList<PlacedShape> shapes, int imageSize, int noiseAmplitude, Random random)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(imageSize, imageSize, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(DarkBackground(random));
            using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            foreach (var shape in shapes)
            {
                paint.Color = Jittered(SceneVocabulary.ColorValue(shape.Object.Color), random);
                using var path = ShapeOutline.Path(
                    shape.Object.Shape, shape.CenterX * imageSize, shape.CenterY * imageSize,
                    shape.Radius * imageSize, shape.RotationDegrees);
                canvas.DrawPath(path, paint);
            }
        }
        return NoisyRgb(bitmap.GetPixelSpan(), noiseAmplitude, random);
    }

    static SKColor DarkBackground(Random random)
    {
        var gray = random.Next(12, 37);
        byte Tinted() => (byte)(gray + random.Next(-4, 5));
        return new SKColor(Tinted(), Tinted(), Tinted());
    }

    // Hue moves a little and saturation/value dim slightly, never enough to cross into a neighbouring colour name.
    static SKColor Jittered(SKColor color, Random random)
    {
        color.ToHsv(out var hue, out var saturation, out var value);
        hue = (hue + HueJitterDegrees * (2 * (float)random.NextDouble() - 1) + 360) % 360;
        saturation *= 0.9f + 0.1f * (float)random.NextDouble();
        value *= 0.9f + 0.1f * (float)random.NextDouble();
        return SKColor.FromHsv(hue, saturation, value);
    }

    // The background is opaque, so premultiplied RGBA equals plain RGBA and the alpha byte can be dropped.
    static byte[] NoisyRgb(ReadOnlySpan<byte> rgba, int noiseAmplitude, Random random)
    {
        var rgb = new byte[rgba.Length / BytesPerRgbaPixel * 3];
        var noise = new byte[rgb.Length];
        if (noiseAmplitude > 0)
            SampleRandom.FillBytes(random, noise);
        var levels = 2 * noiseAmplitude + 1;
        for (int pixel = 0, target = 0; pixel < rgba.Length; pixel += BytesPerRgbaPixel)
            for (var channel = 0; channel < 3; channel++, target++)
            {
                // Scales a random byte to -amplitude..+amplitude.
                var offset = (noise[target] * levels >> 8) - noiseAmplitude;
                rgb[target] = (byte)Math.Clamp(rgba[pixel + channel] + offset, 0, 255);
            }
        return rgb;
    }
}
