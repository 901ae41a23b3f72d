using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

/// <summary>The pixels show what the caption says, judged by <see cref="ScenePixels"/> without the generator's palette.</summary>
public class SceneImageContentTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(32)]
    public void ASingleShapeIsDrawnInTheColourItsCaptionNames(int imageSize)
    {
        var scenes = new SyntheticScenes(new SyntheticSceneOptions(ImageSize: imageSize));
        var samples = Enumerable.Range(0, 300).Select(scenes.TrainingSample).Where(s => s.Scene.Second is null)
            .Concat(scenes.HeldOutEvaluationSet(60).Samples)
            .Concat(scenes.SeenEvaluationSet(60).Samples);
        foreach (var sample in samples)
        {
            Assert.Equal(imageSize * imageSize * 3, sample.Rgb.Length);
            var foreground = ScenePixels.Foreground(sample.Rgb, imageSize);
            Assert.True(foreground.Count >= 12, $"'{sample.Caption}' has only {foreground.Count} shape pixels at {imageSize} px");
            Assert.Equal(sample.Scene.First.Color, ScenePixels.MeanColorName(foreground));
            Assert.Contains(sample.Scene.First.Color, sample.Caption);
        }
    }

    [Fact]
    public void TheFirstShapeLiesWhollyOnTheNamedSideOfTheSecond()
    {
        var checkedScenes = 0;
        foreach (var sample in GeneratedScenes.Training.Where(s => s.Scene.Second is not null && s.Scene.First.Color != s.Scene.Second.Color).Take(300))
        {
            var byColor = ScenePixels.Foreground(sample.Rgb, sample.Size, ScenePixels.SolidContrast)
                .GroupBy(p => ScenePixels.ColorName(p.R, p.G, p.B))
                .ToDictionary(g => g.Key ?? "", g => g.ToArray());
            var first = byColor[sample.Scene.First.Color];
            var second = byColor[sample.Scene.Second!.Color];
            var separated = sample.Scene.Relation switch
            {
                "above" => first.Max(p => p.Y) < second.Min(p => p.Y),
                "below" => first.Min(p => p.Y) > second.Max(p => p.Y),
                "left of" => first.Max(p => p.X) < second.Min(p => p.X),
                "right of" => first.Min(p => p.X) > second.Max(p => p.X),
                _ => false,
            };
            Assert.True(separated, $"'{sample.Caption}' is not drawn that way (training sample)");
            checkedScenes++;
        }
        Assert.True(checkedScenes > 200);
    }

    [Fact]
    public void LargeShapesCoverMorePixelsThanSmallOnesOfTheSameShape()
    {
        var samples = GeneratedScenes.Default.HeldOutEvaluationSet(120).Samples
            .Concat(GeneratedScenes.Default.SeenEvaluationSet(240).Samples);
        foreach (var byShape in samples.GroupBy(s => s.Scene.First.Shape))
        {
            var area = byShape.ToLookup(s => s.Scene.First.Size, s => ScenePixels.Foreground(s.Rgb, s.Size).Count);
            Assert.True(area["large"].Min() > area["small"].Max(),
                $"{byShape.Key}: smallest large {area["large"].Min()} px, largest small {area["small"].Max()} px");
        }
    }

    [Fact]
    public void ABackgroundWithoutNoiseIsOneFlatDarkColour()
    {
        var sample = new SyntheticScenes(new SyntheticSceneOptions(NoiseAmplitude: 0)).TrainingSample(3);
        var corner = sample.Rgb[..3];
        Assert.Equal(corner, sample.Rgb[^3..]);
        Assert.All(corner, channel => Assert.InRange(channel, 0, 60));
    }
}
