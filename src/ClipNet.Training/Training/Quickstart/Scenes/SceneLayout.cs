namespace ClipNet.Training;

/// <summary>A shape placed on the canvas, in units of the image side: centre, radius of its bounding
/// circle, and a small rotation in degrees.</summary>
public sealed record PlacedShape(SceneObject Object, float CenterX, float CenterY, float Radius, float RotationDegrees);

/// <summary>
/// Places the shapes of a scene with light jitter. Positions are in units of the image side (0..1,
/// y downwards) so one layout draws the same at 32 and 64 px. Every shape stays fully inside the image,
/// and two shapes never overlap: along their relation's axis one lies wholly on the named side of the
/// other, so "above" or "left of" is unambiguous.
/// </summary>
internal static class SceneLayout
{
    const float Margin = 0.03f;
    const float MinimumGap = 0.04f;
    const float SizeJitter = 0.08f;
    const float MaxRotationDegrees = 12f;
    const float CrossAxisJitter = 0.05f;

    public static float NominalRadius(string size) => size switch
    {
        "small" => 0.13f,
        "large" => 0.2f,
        _ => throw new ClipNetException($"Unknown synthetic scene size '{size}': use small or large."),
    };

    public static IReadOnlyList<PlacedShape> Place(SceneDescription scene, Random random)
    {
        var firstRadius = JitteredRadius(scene.First, random);
        if (scene.Second is null)
            return [Shape(scene.First, Anywhere(firstRadius, random), Anywhere(firstRadius, random), firstRadius, random)];

        var secondRadius = JitteredRadius(scene.Second, random);
        var (firstLeads, vertical) = scene.Relation switch
        {
            "above" => (true, true),
            "below" => (false, true),
            "left of" => (true, false),
            "right of" => (false, false),
            _ => throw new ClipNetException(
                $"Unknown synthetic scene relation '{scene.Relation}': use one of {string.Join(", ", SceneVocabulary.Relations)}."),
        };
        // Along the axis the leading shape (top or left) starts after the margin and the trailing one ends
        // before it; the room left after both, and a gap between them, is shared out at random.
        var (leadRadius, trailRadius) = firstLeads ? (firstRadius, secondRadius) : (secondRadius, firstRadius);
        var slack = 1 - 2 * Margin - 2 * leadRadius - 2 * trailRadius - MinimumGap;
        var lead = Margin + leadRadius + slack * (float)random.NextDouble() / 2;
        var trail = 1 - Margin - trailRadius - slack * (float)random.NextDouble() / 2;
        var (firstAlong, secondAlong) = firstLeads ? (lead, trail) : (trail, lead);
        // Across the axis both shapes sit near one shared line, so "above" never looks like "left of".
        var lineRoom = 0.5f - Margin - Math.Max(firstRadius, secondRadius) - CrossAxisJitter;
        var line = 0.5f + lineRoom * Symmetric(random);
        var firstAcross = line + CrossAxisJitter * Symmetric(random);
        var secondAcross = line + CrossAxisJitter * Symmetric(random);
        return vertical
            ? [Shape(scene.First, firstAcross, firstAlong, firstRadius, random), Shape(scene.Second, secondAcross, secondAlong, secondRadius, random)]
            : [Shape(scene.First, firstAlong, firstAcross, firstRadius, random), Shape(scene.Second, secondAlong, secondAcross, secondRadius, random)];
    }

    static float JitteredRadius(SceneObject shape, Random random) =>
        NominalRadius(shape.Size) * (1 + SizeJitter * Symmetric(random));

    static float Anywhere(float radius, Random random) =>
        Margin + radius + (1 - 2 * Margin - 2 * radius) * (float)random.NextDouble();

    static float Symmetric(Random random) => 2 * (float)random.NextDouble() - 1;

    static PlacedShape Shape(SceneObject shape, float x, float y, float radius, Random random) =>
        new(shape, x, y, radius, MaxRotationDegrees * Symmetric(random));
}
