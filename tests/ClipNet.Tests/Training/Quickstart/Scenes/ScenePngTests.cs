using SkiaSharp;
using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public class ScenePngTests
{
    [Fact]
    public void ASavedPngDecodesToTheSameRgbBytes()
    {
        var sample = GeneratedScenes.Training[7];
        var path = Path.Combine(Path.GetTempPath(), $"clipnet-scene-{Guid.NewGuid():N}.png");
        try
        {
            ScenePng.Save(sample, path);
            using var decoded = SKBitmap.Decode(path).Copy(SKColorType.Rgba8888);
            Assert.Equal(sample.Size, decoded.Width);
            Assert.Equal(sample.Size, decoded.Height);
            var rgba = decoded.GetPixelSpan().ToArray();
            var rgb = rgba.Where((_, i) => i % 4 != 3).ToArray();
            Assert.Equal(sample.Rgb, rgb);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SavingIntoAMissingFolderNamesTheFolder()
    {
        var error = Assert.Throws<ClipNetException>(() => ScenePng.Save(GeneratedScenes.Training[0], "/nonexistent-clipnet/scene.png"));
        Assert.Contains("/nonexistent-clipnet", error.Message);
    }
}
