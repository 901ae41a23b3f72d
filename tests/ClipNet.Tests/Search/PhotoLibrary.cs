using ClipNet.Search;
using SkiaSharp;

namespace ClipNet.Tests.Search;

/// <summary>
/// A writable copy of ../shared/data/photos-demo/images in a temporary folder (deleted on dispose), with the
/// fixture model, for index tests that add, change, rename and delete photos.
/// </summary>
sealed class PhotoLibrary : IDisposable
{
    public static readonly string Model = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
    public static readonly string DemoImages = SharedFixtures.DataPath("photos-demo", "images");

    public string Root { get; } = Directory.CreateTempSubdirectory("clipnet-photos-").FullName;
    public string Photos => System.IO.Path.Combine(Root, "photos");
    public string IndexPath => System.IO.Path.Combine(Root, "index.sqlite");

    public PhotoLibrary(bool copyDemo = true)
    {
        Directory.CreateDirectory(Photos);
        if (!copyDemo) return;
        foreach (string file in Directory.GetFiles(DemoImages))
            File.Copy(file, Photo(System.IO.Path.GetFileName(file)));
    }

    public string Photo(string name) => System.IO.Path.Combine(Photos, name);

    public static IReadOnlyList<string> DemoNames => [.. Directory.GetFiles(DemoImages).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>Writes <paramref name="source"/> scaled by <paramref name="scale"/> and cropped by <paramref name="cropFraction"/> of each side, as JPEG or PNG.</summary>
    public static void WriteVariant(string source, string destination, double scale, double cropFraction = 0, int jpegQuality = 0)
    {
        using var original = SKBitmap.Decode(source);
        int cropX = (int)(original.Width * cropFraction), cropY = (int)(original.Height * cropFraction);
        using var cropped = new SKBitmap(original.Width - 2 * cropX, original.Height - 2 * cropY);
        original.ExtractSubset(cropped, new SKRectI(cropX, cropY, original.Width - cropX, original.Height - cropY));
        var size = new SKImageInfo(Math.Max(8, (int)(cropped.Width * scale)), Math.Max(8, (int)(cropped.Height * scale)));
        using var resized = cropped.Resize(size, new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var image = SKImage.FromBitmap(resized);
        using var data = jpegQuality > 0 ? image.Encode(SKEncodedImageFormat.Jpeg, jpegQuality) : image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(destination, data.ToArray());
    }

    public PhotoIndex CreateIndex(Clip clip, VectorPrecision precision = VectorPrecision.Float16) =>
        PhotoIndex.Create(IndexPath, clip, precision: precision);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
