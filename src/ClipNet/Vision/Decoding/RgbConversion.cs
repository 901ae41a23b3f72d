namespace ClipNet.Vision;

/// <summary>Pillow's <c>Image.convert("RGB")</c>: three bytes per pixel, no colour management.</summary>
public static class RgbConversion
{
    public static byte[] ToRgb(DecodedImage image)
    {
        int count = image.Width * image.Height;
        var rgb = new byte[count * 3];
        var src = image.Pixels;
        switch (image.Mode)
        {
            case ImageMode.Bilevel:
                for (int i = 0; i < count; i++)
                    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = src[i] == 0 ? (byte)0 : (byte)255;
                break;
            case ImageMode.L:
            case ImageMode.LA:
                int stride = image.BytesPerPixel;
                for (int i = 0; i < count; i++)
                    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = src[i * stride];
                break;
            case ImageMode.P:
            case ImageMode.RGB:
                Array.Copy(src, rgb, rgb.Length);
                break;
            case ImageMode.RGBA:
                // Alpha is dropped, not composited onto a background.
                for (int i = 0; i < count; i++)
                {
                    rgb[3 * i] = src[4 * i]; rgb[3 * i + 1] = src[4 * i + 1]; rgb[3 * i + 2] = src[4 * i + 2];
                }
                break;
            case ImageMode.CMYK:
                for (int i = 0; i < count; i++)
                {
                    int inverseK = 255 - src[4 * i + 3];
                    for (int c = 0; c < 3; c++)
                        rgb[3 * i + c] = (byte)Math.Clamp(inverseK - AlphaPremultiplication.MulDiv255(src[4 * i + c], inverseK), 0, 255);
                }
                break;
            case ImageMode.I:
                // Values are clamped, not scaled: a 16-bit image comes out mostly white, as in Pillow.
                var values = image.Int32Values;
                for (int i = 0; i < count; i++)
                    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte)Math.Clamp(values[i], 0, 255);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(image), image.Mode, null);
        }
        return rgb;
    }
}
