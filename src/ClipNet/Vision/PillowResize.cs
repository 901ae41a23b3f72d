namespace ClipNet.Vision;

/// <summary>
/// Pillow 9.4's <c>Image.resize(size, BICUBIC)</c>, bit for bit: a separable convolution, horizontal pass
/// first, each pass rounded back to the image's own sample type (8-bit fixed point for 8-bit modes, int32
/// for mode I), a pass skipped when its axis keeps its size, and the mode-specific rules Pillow applies
/// around it (palette and bilevel images nearest-neighbour, alpha images premultiplied).
/// </summary>
public static class PillowResize
{
    /// <summary>Resizes an image the way Pillow resizes it in its own mode.</summary>
    public static DecodedImage Resize(DecodedImage image, int width, int height) =>
        Resize(image, width, height, PixelRegion.Whole(width, height));

    /// <summary>
    /// <paramref name="region"/> of the <paramref name="width"/> x <paramref name="height"/> resize: the pixels
    /// <c>Resize(...).Crop(region)</c> gives, computed for the region alone (every output pixel of these filters
    /// depends on the source only, not on its neighbours), so resizing before a centre crop costs only the crop.
    /// </summary>
    public static DecodedImage Resize(DecodedImage image, int width, int height, PixelRegion region)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
        if (!region.FitsIn(width, height)) throw new ArgumentOutOfRangeException(nameof(region), $"region {region} does not fit in {width}x{height}");
        if (image.Width == width && image.Height == height)
            return region == PixelRegion.Whole(width, height) ? image : image.Crop(region.Left, region.Top, region.Width, region.Height);
        switch (image.Mode)
        {
            // Pillow ignores the requested filter for these modes: interpolated palette indices mean nothing.
            case ImageMode.Bilevel or ImageMode.P:
                return new DecodedImage(image.Mode, region.Width, region.Height,
                    Nearest(image.Pixels, image.Width, image.Height, image.BytesPerPixel, width, height, region));
            case ImageMode.LA or ImageMode.RGBA:
                var premultiplied = image.Pixels.ToArray();
                AlphaPremultiplication.Premultiply(premultiplied, image.BytesPerPixel);
                var resized = new DecodedImage(image.Mode, image.Width, image.Height, premultiplied);
                var output = new byte[region.Width * region.Height * image.BytesPerPixel];
                ResizeInto(resized, width, height, region, output);
                AlphaPremultiplication.Unpremultiply(output, image.BytesPerPixel);
                return new DecodedImage(image.Mode, region.Width, region.Height, output);
            case ImageMode.I:
                return DecodedImage.FromInt32(region.Width, region.Height, Bicubic(image.Int32Values, image.Width, image.Height, width, height, region));
            default:
                var pixels = new byte[region.Width * region.Height * image.BytesPerPixel];
                ResizeInto(image, width, height, region, pixels);
                return new DecodedImage(image.Mode, region.Width, region.Height, pixels);
        }
    }

    /// <summary>
    /// The bicubic resize of an 8-bit image whose channels Pillow filters as they are (L, RGB, CMYK, or an alpha
    /// image already premultiplied), region only, into <paramref name="destination"/>: region.Width x BytesPerPixel
    /// bytes per row. Lets a caller reuse its buffer.
    /// </summary>
    public static void ResizeInto(DecodedImage image, int width, int height, PixelRegion region, Span<byte> destination)
    {
        if (image.Mode is ImageMode.Bilevel or ImageMode.P or ImageMode.I)
            throw new ArgumentException($"Pillow does not resize a {image.Mode.PillowName()} image with 8-bit bicubic filtering", nameof(image));
        FixedPointResample.Resize(image.Pixels, image.Width, image.Height, image.BytesPerPixel, width, height, region, destination);
    }

    /// <summary>
    /// Bicubic resize of interleaved 8-bit samples (1 to 4 channels, each filtered on its own):
    /// weights in fixed point, sums rounded and clamped to 0..255 after each pass.
    /// </summary>
    public static byte[] Bicubic(ReadOnlySpan<byte> pixels, int width, int height, int channels, int outWidth, int outHeight)
    {
        var output = new byte[outWidth * outHeight * channels];
        FixedPointResample.Resize(pixels, width, height, channels, outWidth, outHeight, PixelRegion.Whole(outWidth, outHeight), output);
        return output;
    }

    /// <summary>
    /// Bicubic resize of one channel of int32 samples (Pillow mode I): double-precision sums rounded half
    /// away from zero after each pass and not clamped, so results may leave the input's range.
    /// </summary>
    public static int[] Bicubic(ReadOnlySpan<int> values, int width, int height, int outWidth, int outHeight) =>
        Bicubic(values, width, height, outWidth, outHeight, PixelRegion.Whole(outWidth, outHeight));

    static int[] Bicubic(ReadOnlySpan<int> values, int width, int height, int outWidth, int outHeight, PixelRegion region)
    {
        CheckBuffer(values.Length, width, height, 1);
        var vertical = outHeight == height ? null : ResampleCoefficients.Bicubic(height, outHeight);
        int firstRow = vertical?.First[region.Top] ?? region.Top;
        int endRow = vertical is null ? region.Bottom : vertical.First[region.Bottom - 1] + vertical.Count[region.Bottom - 1];
        var rows = outWidth == width
            ? CropColumns(values, width, firstRow, endRow, region)
            : HorizontalPass(values, width, firstRow, endRow, ResampleCoefficients.Bicubic(width, outWidth), region);
        return vertical is null ? rows : VerticalPass(rows, region.Width, vertical, firstRow, region);
    }

    /// <summary>
    /// Pillow's nearest-neighbour scaling: the source position starts at half a step and the step is added
    /// once per output pixel (an accumulated double, not <c>(x + 0.5) * step</c>), then truncated.
    /// </summary>
    static byte[] Nearest(ReadOnlySpan<byte> pixels, int width, int height, int bytesPerPixel, int outWidth, int outHeight, PixelRegion region)
    {
        CheckBuffer(pixels.Length, width, height, bytesPerPixel);
        var columns = NearestSources(width, outWidth);
        var rows = NearestSources(height, outHeight);
        var output = new byte[region.Width * region.Height * bytesPerPixel];
        for (int y = 0; y < region.Height; y++)
        {
            int sourceRow = rows[region.Top + y];
            if (sourceRow < 0) continue;
            for (int x = 0; x < region.Width; x++)
            {
                int sourceColumn = columns[region.Left + x];
                if (sourceColumn < 0) continue;
                pixels.Slice((sourceRow * width + sourceColumn) * bytesPerPixel, bytesPerPixel)
                    .CopyTo(output.AsSpan((y * region.Width + x) * bytesPerPixel));
            }
        }
        return output;
    }

    /// <summary>Source index per output index, or -1 where Pillow's position falls outside the image (left black).</summary>
    static int[] NearestSources(int inSize, int outSize)
    {
        double step = (double)(float)inSize / outSize;
        double position = step * 0.5;
        var sources = new int[outSize];
        for (int i = 0; i < outSize; i++)
        {
            int source = position < 0.0 ? -1 : (int)position;
            sources[i] = source < inSize ? source : -1;
            position += step;
        }
        return sources;
    }

    /// <summary>Rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of the image, the region's columns only.</summary>
    static int[] CropColumns(ReadOnlySpan<int> source, int width, int firstRow, int endRow, PixelRegion region)
    {
        var output = new int[(endRow - firstRow) * region.Width];
        for (int y = firstRow; y < endRow; y++)
            source.Slice(y * width + region.Left, region.Width).CopyTo(output.AsSpan((y - firstRow) * region.Width));
        return output;
    }

    static int[] HorizontalPass(ReadOnlySpan<int> source, int width, int firstRow, int endRow, ResampleCoefficients taps, PixelRegion region)
    {
        var output = new int[(endRow - firstRow) * region.Width];
        for (int y = firstRow; y < endRow; y++)
        {
            var row = source.Slice(y * width, width);
            for (int i = 0; i < region.Width; i++)
            {
                int xx = region.Left + i, xmin = taps.First[xx], count = taps.Count[xx], k = xx * taps.KernelSize;
                double sum = 0.0;
                for (int x = 0; x < count; x++)
                    sum += row[xmin + x] * taps.Weights[k + x];
                output[(y - firstRow) * region.Width + i] = RoundHalfAwayFromZero(sum);
            }
        }
        return output;
    }

    /// <summary><paramref name="rowOffset"/> is the source row that <paramref name="source"/>'s first row holds.</summary>
    static int[] VerticalPass(ReadOnlySpan<int> source, int width, ResampleCoefficients taps, int rowOffset, PixelRegion region)
    {
        var output = new int[region.Height * width];
        for (int r = 0; r < region.Height; r++)
        {
            int yy = region.Top + r, ymin = taps.First[yy] - rowOffset, count = taps.Count[yy], k = yy * taps.KernelSize;
            for (int x = 0; x < width; x++)
            {
                double sum = 0.0;
                for (int y = 0; y < count; y++)
                    sum += source[(ymin + y) * width + x] * taps.Weights[k + y];
                output[r * width + x] = RoundHalfAwayFromZero(sum);
            }
        }
        return output;
    }

    static int RoundHalfAwayFromZero(double value) => (int)(value >= 0.0 ? value + 0.5 : value - 0.5);

    static void CheckBuffer(int length, int width, int height, int channels)
    {
        if (width <= 0 || height <= 0 || channels <= 0 || length != (long)width * height * channels)
            throw new ArgumentException($"a {width}x{height} buffer with {channels} channels needs {(long)width * height * channels} samples, got {length}");
    }
}
