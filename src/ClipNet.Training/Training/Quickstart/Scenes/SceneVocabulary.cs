using SkiaSharp;

namespace ClipNet.Training;

/// <summary>
/// The words a synthetic scene can be described with, and the colour each colour word is drawn in.
/// Every word starts with a consonant, so "a" is always the right article in captions and prompts.
/// </summary>
public static class SceneVocabulary
{
    // Hues far apart on the wheel (and one achromatic), so hue jitter never makes one look like another.
    public static readonly IReadOnlyList<(string Name, SKColor Value)> Palette =
    [
        ("red", new SKColor(220, 40, 40)),
        ("green", new SKColor(40, 190, 70)),
        ("blue", new SKColor(50, 100, 240)),
        ("yellow", new SKColor(240, 220, 40)),
        ("purple", new SKColor(150, 60, 210)),
        ("white", new SKColor(235, 235, 235)),
    ];

    public static readonly IReadOnlyList<string> Colors = [.. Palette.Select(entry => entry.Name)];

    // Outlines that stay distinct at 8 px across: round, four corners, three corners, five points, four arms.
    public static readonly IReadOnlyList<string> Shapes = ["circle", "square", "triangle", "star", "cross"];

    public static readonly IReadOnlyList<string> Sizes = ["small", "large"];

    /// <summary>Where the first shape of a two-shape scene is, relative to the second.</summary>
    public static readonly IReadOnlyList<string> Relations = ["above", "below", "left of", "right of"];

    /// <summary>
    /// Six of the thirty colour–shape pairs (20%) that no training scene ever shows, one per colour, so the
    /// zero-shot evaluation asks for combinations of known words the model has never seen together. Each
    /// colour keeps four training shapes and each shape at least four training colours.
    /// </summary>
    public static readonly IReadOnlyList<(string Color, string Shape)> HeldOutPairs =
    [
        ("red", "triangle"),
        ("green", "circle"),
        ("blue", "star"),
        ("yellow", "square"),
        ("purple", "cross"),
        ("white", "square"),
    ];

    public static readonly IReadOnlyList<(string Color, string Shape)> AllPairs =
        [.. Colors.SelectMany(color => Shapes.Select(shape => (color, shape)))];

    public static readonly IReadOnlyList<(string Color, string Shape)> TrainingPairs =
        [.. AllPairs.Where(pair => !HeldOutPairs.Contains(pair))];

    /// <summary>Zero-shot class names, one per colour–shape pair in <see cref="AllPairs"/> order: "red circle", …</summary>
    public static readonly IReadOnlyList<string> ZeroShotClasses = [.. AllPairs.Select(pair => $"{pair.Color} {pair.Shape}")];

    /// <summary>Prompt templates for zero-shot classification; training captions use the same frames.</summary>
    public static readonly IReadOnlyList<string> Templates = ["a {}", "a photo of a {}", "a {} on a dark background"];

    /// <summary>The position of "colour shape" in <see cref="ZeroShotClasses"/>.</summary>
    public static int ClassIndex(string color, string shape)
    {
        for (var index = 0; index < AllPairs.Count; index++)
            if (AllPairs[index] == (color, shape))
                return index;
        throw new ClipNetException($"'{color} {shape}' is not a synthetic scene class: see SceneVocabulary.ZeroShotClasses.");
    }

    internal static SKColor ColorValue(string color)
    {
        foreach (var (name, value) in Palette)
            if (name == color)
                return value;
        throw new ClipNetException($"Unknown synthetic scene colour '{color}': use one of {string.Join(", ", Colors)}.");
    }
}
