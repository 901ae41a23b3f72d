namespace ClipNet.Training;

/// <summary>
/// One generated image with its caption: <see cref="Rgb"/> holds <see cref="Size"/> × <see cref="Size"/>
/// pixels as height × width × 3 bytes, row-major. <see cref="Scene"/> is what was drawn — it always names
/// both sizes, even when the caption leaves a size word out — and <see cref="Layout"/> is where.
/// </summary>
public sealed record SceneSample(byte[] Rgb, int Size, string Caption, SceneDescription Scene, IReadOnlyList<PlacedShape> Layout);
