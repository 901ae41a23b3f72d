namespace ClipNet.Training;

/// <summary>One drawn shape: its colour, shape and size words from <see cref="SceneVocabulary"/>.</summary>
public sealed record SceneObject(string Color, string Shape, string Size)
{
    /// <summary>The zero-shot class this shape belongs to, e.g. "red circle".</summary>
    public string ClassName => $"{Color} {Shape}";
}

/// <summary>
/// What a scene shows: one shape, or two with <see cref="Relation"/> saying where
/// <see cref="First"/> is relative to <see cref="Second"/> ("above", "left of", …).
/// </summary>
public sealed record SceneDescription(SceneObject First, SceneObject? Second = null, string? Relation = null)
{
    public IEnumerable<SceneObject> Objects => Second is null ? [First] : [First, Second];
}
