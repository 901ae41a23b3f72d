namespace ClipNet.Vision;

/// <summary>The sizes and offsets torchvision computes for <c>Resize(n)</c> and <c>CenterCrop(n)</c> on a PIL image.</summary>
public static class ResizeGeometry
{
    /// <summary>
    /// The shorter side becomes <paramref name="shortSide"/>, the longer <c>int(n * long / short)</c>:
    /// truncated, so 640x480 becomes 298x224, not 299x224.
    /// </summary>
    public static (int Width, int Height) ShortSideTo(int width, int height, int shortSide)
    {
        if (width <= 0 || height <= 0 || shortSide <= 0)
            throw new ArgumentOutOfRangeException(nameof(shortSide), $"sizes must be positive, got {width}x{height} -> {shortSide}");
        bool landscape = width > height;
        int shorter = landscape ? height : width, longer = landscape ? width : height;
        int newLonger = (int)((double)((long)shortSide * longer) / shorter);
        return landscape ? (newLonger, shortSide) : (shortSide, newLonger);
    }

    /// <summary>
    /// Offset of a centred crop: <c>int(round((size - crop) / 2))</c> with Python's round-half-to-even,
    /// so a 301-pixel side cropped to 224 starts at round(38.5) = 38, not 39.
    /// </summary>
    public static int CenterCropOffset(int size, int crop) =>
        (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);
}

/// <summary>A rectangle of an image, in pixels: the part of a resized image that a crop keeps.</summary>
public readonly record struct PixelRegion(int Left, int Top, int Width, int Height)
{
    public int Right => Left + Width;
    public int Bottom => Top + Height;

    /// <summary>The whole of a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public static PixelRegion Whole(int width, int height) => new(0, 0, width, height);

    /// <summary>The centred <paramref name="crop"/> x <paramref name="crop"/> square of a <paramref name="width"/> x <paramref name="height"/> image, as torchvision's <c>CenterCrop</c> places it.</summary>
    public static PixelRegion CenterSquare(int width, int height, int crop) =>
        new(ResizeGeometry.CenterCropOffset(width, crop), ResizeGeometry.CenterCropOffset(height, crop), crop, crop);

    public bool FitsIn(int width, int height) => Left >= 0 && Top >= 0 && Width > 0 && Height > 0 && Right <= width && Bottom <= height;
}
