namespace ClipNet.Vision;

/// <summary>
/// Pillow's <c>ImageOps.exif_transpose</c>: turns an image stored with EXIF orientation 2..8 into the
/// upright image a viewer shows. The reference pipeline does not do this (it processes images as stored),
/// so it is an option.
/// </summary>
public static class ExifOrientation
{
    /// <summary>The image as displayed for the EXIF orientation tag value (1..8); other values leave it unchanged.</summary>
    public static DecodedImage Apply(DecodedImage image, int orientation)
    {
        if (orientation is < 2 or > 8) return image;
        int w = image.Width, h = image.Height, bpp = image.BytesPerPixel;
        bool swapsAxes = orientation >= 5;
        int outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h;
        var output = new byte[image.Pixels.Length];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),          // mirrored left to right
                    3 => (w - 1 - x, h - 1 - y),  // rotated 180 degrees
                    4 => (x, h - 1 - y),          // mirrored top to bottom
                    5 => (y, x),                  // transposed
                    6 => (y, h - 1 - x),          // stored turned 90 degrees anticlockwise: display turns it clockwise
                    7 => (w - 1 - y, h - 1 - x),  // transversed
                    _ => (w - 1 - y, x),          // 8: stored turned 90 degrees clockwise
                };
                image.Pixels.AsSpan((sy * w + sx) * bpp, bpp).CopyTo(output.AsSpan((y * outWidth + x) * bpp));
            }
        }
        return new DecodedImage(image.Mode, outWidth, outHeight, output);
    }
}
