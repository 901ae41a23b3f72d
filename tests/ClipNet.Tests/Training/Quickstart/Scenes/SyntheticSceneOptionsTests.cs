using Xunit;

using ClipNet.Training;

namespace ClipNet.Tests.Training.Quickstart;

public class SyntheticSceneOptionsTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(0)]
    [InlineData(4096)]
    public void AnImageSizeOutOfRangeIsAUserErrorThatNamesTheSize(int size)
    {
        var error = Assert.Throws<ClipNetException>(() => new SyntheticScenes(new SyntheticSceneOptions(ImageSize: size)));
        Assert.Contains($"{size} px", error.Message);
    }

    [Fact]
    public void ATwoShapeFractionOutsideZeroToOneIsAUserError()
    {
        Assert.Throws<ClipNetException>(() => new SyntheticScenes(new SyntheticSceneOptions(TwoShapeFraction: 1.5)));
    }

    [Fact]
    public void TwoShapeFractionZeroGivesOnlySingleShapes()
    {
        var scenes = new SyntheticScenes(new SyntheticSceneOptions(ImageSize: 32, TwoShapeFraction: 0));
        Assert.All(Enumerable.Range(0, 100).Select(scenes.TrainingSample), s => Assert.Null(s.Scene.Second));
    }
}
