using SkiaSharp;

namespace ClipNet.Training;

/// <summary>
/// The outline of each shape as a closed path that fits inside its bounding circle. The proportions make
/// the shapes look about equally big: a circle filling its bounding circle would look larger than a star.
/// </summary>
internal static class ShapeOutline
{
    public static SKPath Path(string shape, float centerX, float centerY, float radius, float rotationDegrees)
    {
        using var builder = new SKPathBuilder();
        if (shape == "circle")
        {
            builder.AddCircle(centerX, centerY, 0.85f * radius, SKPathDirection.Clockwise);
            return builder.Detach();
        }
        var corners = shape switch
        {
            "square" => Regular(4, 0.98f, 45),
            "triangle" => Regular(3, 1f, -90),
            "star" => Star(5, 1f, 0.45f),
            "cross" => Cross(0.95f, 0.32f),
            _ => throw new ClipNetException(
                $"Unknown synthetic scene shape '{shape}': use one of {string.Join(", ", SceneVocabulary.Shapes)}."),
        };
        var rotation = rotationDegrees * MathF.PI / 180;
        var (sin, cos) = MathF.SinCos(rotation);
        builder.AddPoly(
            [.. corners.Select(p => new SKPoint(
                centerX + radius * (p.X * cos - p.Y * sin),
                centerY + radius * (p.X * sin + p.Y * cos)))],
            close: true);
        return builder.Detach();
    }

    // Corners on the unit circle; the first at startDegrees (y downwards, so -90 points up).
    static IEnumerable<SKPoint> Regular(int corners, float reach, float startDegrees) =>
        Enumerable.Range(0, corners).Select(i => OnCircle(reach, startDegrees + 360f * i / corners));

    static IEnumerable<SKPoint> Star(int points, float outer, float inner) =>
        Enumerable.Range(0, 2 * points).Select(i => OnCircle(i % 2 == 0 ? outer : inner, -90 + 180f * i / points));

    // A plus sign: arms of the given reach and half-thickness, traced clockwise from the top arm.
    static IEnumerable<SKPoint> Cross(float reach, float half) =>
    [
        new(-half, -reach), new(half, -reach), new(half, -half), new(reach, -half),
        new(reach, half), new(half, half), new(half, reach), new(-half, reach),
        new(-half, half), new(-reach, half), new(-reach, -half), new(-half, -half),
    ];

    static SKPoint OnCircle(float reach, float degrees)
    {
        var (sin, cos) = MathF.SinCos(degrees * MathF.PI / 180);
        return new SKPoint(reach * cos, reach * sin);
    }
}
