using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClipNet.Vision;

/// <summary>
/// Pillow 9.4's convolution resize of 8-bit images (libImaging/Resample.c, <c>ImagingResampleHorizontal_8bpc</c>
/// then <c>ImagingResampleVertical_8bpc</c>), bit for bit, computed for one region of the output only and with
/// SIMD over the taps.
/// <para>
/// A region is exact because each output sample of either pass is a sum over source samples alone, never over
/// neighbouring outputs: the horizontal pass runs over the source rows the region's output rows read and only for
/// the region's columns, the vertical pass only for the region's rows. So "resize, then centre-crop" costs the
/// crop's share of the resize.
/// </para>
/// <para>
/// The sums are Pillow's: int32 products of bytes and 22-bit fixed-point weights, started at half a unit, shifted
/// and clamped to a byte after each pass. Integer addition is associative, so summing eight lanes at a time and
/// folding the lanes gives the same int32 as Pillow's loop, wrap-around included (the sums stay under 2^31 for any
/// real weights: |weights| sum to under 2, times 255, times 2^22).
/// </para>
/// </summary>
internal static class FixedPointResample
{
    /// <summary>int32 lanes of one <see cref="Vector256{T}"/>.</summary>
    const int Lanes = 8;
    const int HalfUnit = 1 << (ResampleCoefficients.PrecisionBits - 1);

    /// <summary>
    /// Writes <paramref name="region"/> of the <paramref name="outWidth"/> x <paramref name="outHeight"/> bicubic
    /// resize of <paramref name="pixels"/> (interleaved, 1 to 4 channels) into <paramref name="output"/>, rows of
    /// region.Width * channels bytes. An axis that keeps its size is not filtered, as in Pillow.
    /// </summary>
    public static void Resize(ReadOnlySpan<byte> pixels, int width, int height, int channels, int outWidth, int outHeight,
        PixelRegion region, Span<byte> output)
    {
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "8-bit resizing takes 1 to 4 channels");
        if (pixels.Length != (long)width * height * channels)
            throw new ArgumentException($"a {width}x{height} buffer with {channels} channels needs {(long)width * height * channels} bytes, got {pixels.Length}");
        if (!region.FitsIn(outWidth, outHeight))
            throw new ArgumentOutOfRangeException(nameof(region), $"region {region} does not fit in {outWidth}x{outHeight}");
        int rowBytes = region.Width * channels;
        if (output.Length < (long)region.Height * rowBytes)
            throw new ArgumentException($"the output needs {(long)region.Height * rowBytes} bytes, got {output.Length}");

        bool horizontal = outWidth != width, vertical = outHeight != height;
        if (!horizontal && !vertical)
        {
            for (int y = 0; y < region.Height; y++)
                pixels.Slice(((region.Top + y) * width + region.Left) * channels, rowBytes).CopyTo(output.Slice(y * rowBytes));
            return;
        }
        var rowTaps = vertical ? ResampleCoefficients.Bicubic(height, outHeight) : null;
        // The source rows the region's output rows read: all the horizontal pass has to produce.
        int firstRow = rowTaps is null ? region.Top : rowTaps.First[region.Top];
        int endRow = rowTaps is null ? region.Bottom : rowTaps.First[region.Bottom - 1] + rowTaps.Count[region.Bottom - 1];
        // Rows of the intermediate image carry slack: the horizontal pass stores 4 bytes per pixel and the
        // vertical pass loads 16 bytes at a time.
        int stride = Math.Max(16, (rowBytes + 4 + 15) & ~15);
        var band = ArrayPool<byte>.Shared.Rent(checked((endRow - firstRow) * stride));
        try
        {
            if (horizontal)
                HorizontalPass(pixels, width, channels, ResampleCoefficients.Bicubic(width, outWidth), region, firstRow, endRow, band, stride);
            else
                for (int y = firstRow; y < endRow; y++)
                    pixels.Slice((y * width + region.Left) * channels, rowBytes).CopyTo(band.AsSpan((y - firstRow) * stride));

            if (vertical)
                VerticalPass(band, stride, rowBytes, rowTaps!, region, firstRow, output);
            else
                for (int y = 0; y < region.Height; y++)
                    band.AsSpan(y * stride, rowBytes).CopyTo(output.Slice(y * rowBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(band);
        }
    }

    static void HorizontalPass(ReadOnlySpan<byte> pixels, int width, int channels, ResampleCoefficients taps, PixelRegion region,
        int firstRow, int endRow, byte[] band, int stride)
    {
        switch (channels)
        {
            case 1: HorizontalPass<OneChannel>(pixels, width, taps, region, firstRow, endRow, band, stride); break;
            case 2: HorizontalPass<TwoChannels>(pixels, width, taps, region, firstRow, endRow, band, stride); break;
            case 3: HorizontalPass<ThreeChannels>(pixels, width, taps, region, firstRow, endRow, band, stride); break;
            default: HorizontalPass<FourChannels>(pixels, width, taps, region, firstRow, endRow, band, stride); break;
        }
    }

    /// <summary>
    /// Each output pixel is a dot product of the bytes under its taps with its weights, eight int32 lanes at a time:
    /// a lane holds one channel of one tap, so a vector covers 8 / <see cref="IPixelLayout.Group"/> taps, and the
    /// weights are laid out the same way (each repeated once per channel), zero past the pixel's last tap.
    /// </summary>
    static void HorizontalPass<TLayout>(ReadOnlySpan<byte> pixels, int width, ResampleCoefficients taps, PixelRegion region,
        int firstRow, int endRow, byte[] band, int stride) where TLayout : struct, IPixelLayout
    {
        int channels = TLayout.Channels, group = TLayout.Group, tapsPerVector = Lanes / group;
        int vectorBytes = tapsPerVector * channels;
        int weightsPerColumn = (taps.KernelSize + tapsPerVector - 1) / tapsPerVector * Lanes;
        var fixedPoint = taps.FixedPointWeights();
        var weights = ArrayPool<int>.Shared.Rent(region.Width * weightsPerColumn);
        var columns = ArrayPool<(int Start, int Vectors)>.Shared.Rent(region.Width);
        int readEnd = 0;
        for (int i = 0; i < region.Width; i++)
        {
            int xx = region.Left + i, count = taps.Count[xx], vectors = (count + tapsPerVector - 1) / tapsPerVector;
            var columnWeights = weights.AsSpan(i * weightsPerColumn, weightsPerColumn);
            for (int t = 0; t < vectors * tapsPerVector; t++)
                columnWeights.Slice(t * group, group).Fill(t < count ? fixedPoint[xx * taps.KernelSize + t] : 0);
            columns[i] = (taps.First[xx] * channels, vectors);
            readEnd = Math.Max(readEnd, taps.First[xx] * channels + (vectors - 1) * vectorBytes + sizeof(ulong));
        }
        // A load may run up to 8 bytes past a row's last tap (into the next row, under zero weights); past the end of
        // the image that would leave the buffer, so such rows are read from a padded copy.
        int rowLength = width * channels;
        var padded = ArrayPool<byte>.Shared.Rent(Math.Max(readEnd, rowLength));
        try
        {
            for (int y = firstRow; y < endRow; y++)
            {
                ReadOnlySpan<byte> row = pixels[(y * rowLength)..];
                if (row.Length < readEnd)
                {
                    row.CopyTo(padded);
                    padded.AsSpan(row.Length, readEnd - row.Length).Clear();
                    row = padded;
                }
                HorizontalRow<TLayout>(row, weights, weightsPerColumn, columns.AsSpan(0, region.Width), vectorBytes, band.AsSpan((y - firstRow) * stride, stride));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(padded);
            ArrayPool<(int, int)>.Shared.Return(columns);
            ArrayPool<int>.Shared.Return(weights);
        }
    }

    static void HorizontalRow<TLayout>(ReadOnlySpan<byte> row, int[] weights, int weightsPerColumn, ReadOnlySpan<(int Start, int Vectors)> columns,
        int vectorBytes, Span<byte> output) where TLayout : struct, IPixelLayout
    {
        // Bounds were checked once for the whole row (readEnd, and the stride's slack for the 4-byte stores).
        ref byte source = ref MemoryMarshal.GetReference(row);
        ref byte destination = ref MemoryMarshal.GetReference(output);
        ref int weight = ref MemoryMarshal.GetArrayDataReference(weights);
        for (int i = 0; i < columns.Length; i++)
        {
            var (start, vectors) = columns[i];
            ref byte at = ref Unsafe.Add(ref source, start);
            ref int k = ref Unsafe.Add(ref weight, i * weightsPerColumn);
            var sum = Vector256<int>.Zero;
            for (int v = 0; v < vectors; v++)
                sum += TLayout.Load(ref Unsafe.Add(ref at, v * vectorBytes)) * Vector256.LoadUnsafe(ref k, (nuint)(v * Lanes));
            // Fold the lanes of each channel together: 8 lanes to 4 (group 4), to 2, to 1.
            var folded = sum.GetLower() + sum.GetUpper();
            if (TLayout.Group < 4) folded += Vector128.Shuffle(folded, Vector128.Create(2, 3, 0, 1));
            if (TLayout.Group < 2) folded += Vector128.Shuffle(folded, Vector128.Create(1, 0, 3, 2));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, i * TLayout.Channels), ClipToBytes(folded));
        }
    }

    /// <summary>
    /// Output rows, 16 bytes at a time: each byte is a column of the intermediate image under the row's taps. The last
    /// block of a row is aligned to the row's end (recomputing a few bytes) rather than running past it.
    /// </summary>
    static void VerticalPass(byte[] band, int stride, int rowBytes, ResampleCoefficients taps, PixelRegion region, int firstRow, Span<byte> output)
    {
        var fixedPoint = taps.FixedPointWeights();
        Span<byte> shortRow = stackalloc byte[16];
        ref byte source = ref MemoryMarshal.GetArrayDataReference(band);
        for (int r = 0; r < region.Height; r++)
        {
            int yy = region.Top + r, count = taps.Count[yy];
            ref byte top = ref Unsafe.Add(ref source, (taps.First[yy] - firstRow) * stride);
            ReadOnlySpan<int> weights = fixedPoint.AsSpan(yy * taps.KernelSize, count);
            var outRow = output.Slice(r * rowBytes, rowBytes);
            if (rowBytes < 16)
            {
                VerticalBlock(ref top, stride, weights, shortRow);
                shortRow[..rowBytes].CopyTo(outRow);
                continue;
            }
            for (int x = 0; ; x += 16)
            {
                int at = Math.Min(x, rowBytes - 16);
                VerticalBlock(ref Unsafe.Add(ref top, at), stride, weights, outRow.Slice(at, 16));
                if (at == rowBytes - 16) break;
            }
        }
    }

    static void VerticalBlock(ref byte top, int stride, ReadOnlySpan<int> weights, Span<byte> output)
    {
        var low = Vector256.Create(HalfUnit);
        var high = low;
        for (int t = 0; t < weights.Length; t++)
        {
            ref byte row = ref Unsafe.Add(ref top, t * stride);
            var weight = Vector256.Create(weights[t]);
            low += WidenBytes(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref row)).AsByte()) * weight;
            high += WidenBytes(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, 8))).AsByte()) * weight;
        }
        var bytes = Vector256.Narrow(Clip(low), Clip(high));
        Vector128.Narrow(bytes.GetLower(), bytes.GetUpper()).AsByte().CopyTo(output);
    }

    /// <summary>Pillow's clip8 of four sums (the half unit still to add): the bytes, as one little-endian uint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint ClipToBytes(Vector128<int> sums)
    {
        var clipped = Vector128.Min(Vector128.Max(Vector128.ShiftRightArithmetic(sums + Vector128.Create(HalfUnit), ResampleCoefficients.PrecisionBits), Vector128<int>.Zero), Vector128.Create(255));
        return Vector128.Shuffle(clipped.AsByte(), Vector128.Create((byte)0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12)).AsUInt32().ToScalar();
    }

    /// <summary>Pillow's clip8 of eight sums that already hold the half unit, still as int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Clip(Vector256<int> sums) =>
        Vector256.Min(Vector256.Max(Vector256.ShiftRightArithmetic(sums, ResampleCoefficients.PrecisionBits), Vector256<int>.Zero), Vector256.Create(255));

    /// <summary>The low 8 bytes of <paramref name="bytes"/> as eight int32 lanes (one instruction with AVX2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> WidenBytes(Vector128<byte> bytes) =>
        Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bytes)
            : Vector256.WidenLower(Vector256.WidenLower(bytes.ToVector256Unsafe())).AsInt32();

    /// <summary>How a pixel's channels map onto int32 lanes: <see cref="Group"/> lanes per tap.</summary>
    interface IPixelLayout
    {
        static abstract int Channels { get; }
        /// <summary>Lanes per tap: the channel count, except that RGB takes four lanes (the fourth is ignored).</summary>
        static abstract int Group { get; }
        /// <summary>The bytes of 8 / <see cref="Group"/> consecutive pixels as int32 lanes; reads 8 bytes.</summary>
        static abstract Vector256<int> Load(ref byte pixels);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> LoadEight(ref byte pixels) => WidenBytes(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref pixels)).AsByte());

    readonly struct OneChannel : IPixelLayout
    {
        public static int Channels => 1;
        public static int Group => 1;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Load(ref byte pixels) => LoadEight(ref pixels);
    }

    readonly struct TwoChannels : IPixelLayout
    {
        public static int Channels => 2;
        public static int Group => 2;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Load(ref byte pixels) => LoadEight(ref pixels);
    }

    readonly struct ThreeChannels : IPixelLayout
    {
        public static int Channels => 3;
        public static int Group => 4;
        // R0 G0 B0 R1 G1 B1 .. becomes R0 G0 B0 B0 R1 G1 B1 B1: two pixels in two groups of four lanes.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Load(ref byte pixels) =>
            WidenBytes(Vector128.Shuffle(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref pixels)).AsByte(),
                Vector128.Create((byte)0, 1, 2, 2, 3, 4, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0)));
    }

    readonly struct FourChannels : IPixelLayout
    {
        public static int Channels => 4;
        public static int Group => 4;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Load(ref byte pixels) => LoadEight(ref pixels);
    }
}
