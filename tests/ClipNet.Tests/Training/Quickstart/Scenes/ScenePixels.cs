using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

/// <summary>
/// Reads a generated RGB image the way a person would, without the generator's palette: the background
/// is what the border shows, a shape is what stands out from it, and a colour's name comes from its hue
/// on the ordinary colour wheel.
/// </summary>
static class ScenePixels
{
    /// <summary>Enough to count antialiased edges as part of a shape.</summary>
    public const int ShapeContrast = 60;

    /// <summary>Only a shape's solid inside, whose hue noise and edge blending cannot move.</summary>
    public const int SolidContrast = 110;

    public readonly record struct Pixel(int X, int Y, byte R, byte G, byte B);

    public static List<Pixel> Foreground(byte[] rgb, int size, int minimumContrast = ShapeContrast)
    {
        var background = BorderMedian(rgb, size);
        var pixels = new List<Pixel>();
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
            {
                var at = (y * size + x) * 3;
                var contrast = Math.Max(
                    Math.Abs(rgb[at] - background[0]),
                    Math.Max(Math.Abs(rgb[at + 1] - background[1]), Math.Abs(rgb[at + 2] - background[2])));
                if (contrast > minimumContrast)
                    pixels.Add(new Pixel(x, y, rgb[at], rgb[at + 1], rgb[at + 2]));
            }
        return pixels;
    }

    /// <summary>The everyday name of a colour, or null when it is none of the six (orange, grey, black).</summary>
    public static string? ColorName(double r, double g, double b)
    {
        var max = Math.Max(r, Math.Max(g, b));
        var min = Math.Min(r, Math.Min(g, b));
        var saturation = max == 0 ? 0 : (max - min) / max;
        if (saturation < 0.2)
            return max / 255 > 0.6 ? "white" : null;
        var hue = max == r ? 60 * ((g - b) / (max - min))
            : max == g ? 60 * ((b - r) / (max - min) + 2)
            : 60 * ((r - g) / (max - min) + 4);
        hue = (hue + 360) % 360;
        return hue switch
        {
            < 20 or >= 330 => "red",
            >= 40 and < 75 => "yellow",
            >= 75 and < 170 => "green",
            >= 190 and < 260 => "blue",
            >= 260 and < 330 => "purple",
            _ => null,
        };
    }

    public static string? MeanColorName(IReadOnlyList<Pixel> pixels) =>
        ColorName(pixels.Average(p => p.R), pixels.Average(p => p.G), pixels.Average(p => p.B));

    static int[] BorderMedian(byte[] rgb, int size)
    {
        var median = new int[3];
        var border = new List<int>(4 * size);
        for (var channel = 0; channel < 3; channel++)
        {
            border.Clear();
            for (var i = 0; i < size; i++)
            {
                border.Add(rgb[(i * size) * 3 + channel]);
                border.Add(rgb[(i * size + size - 1) * 3 + channel]);
                border.Add(rgb[i * 3 + channel]);
                border.Add(rgb[((size - 1) * size + i) * 3 + channel]);
            }
            border.Sort();
            median[channel] = border[border.Count / 2];
        }
        return median;
    }
}
