namespace ClipNet.Vision;

/// <summary>
/// libjpeg's default inverse DCT ("ISLOW", jidctint.c): the Loeffler-Ligtenberg-Moschytz algorithm in
/// integer arithmetic with 13-bit constants and 2 extra bits between the column and row passes. Decoders
/// that use it agree bit for bit, which is what lets decoded CMYK samples match Pillow's exactly.
/// </summary>
internal static class JpegIslowIdct
{
    const int ConstBits = 13;
    const int Pass1Bits = 2;

    // The constants are round(x * 2^13) for the cosines the algorithm names.
    const long Fix0_298631336 = 2446, Fix0_390180644 = 3196, Fix0_541196100 = 4433, Fix0_765366865 = 6270;
    const long Fix0_899976223 = 7373, Fix1_175875602 = 9633, Fix1_501321110 = 12299, Fix1_847759065 = 15137;
    const long Fix1_961570560 = 16069, Fix2_053119869 = 16819, Fix2_562915447 = 20995, Fix3_072711026 = 25172;

    /// <summary>
    /// Dequantises one 8x8 block of coefficients (natural order) and writes its samples into
    /// <paramref name="output"/> at stride <paramref name="stride"/>, level-shifted and clamped to 0..255.
    /// </summary>
    public static void Transform(ReadOnlySpan<short> coefficients, ReadOnlySpan<ushort> quantization, Span<byte> output, int stride)
    {
        Span<int> workspace = stackalloc int[64];
        Span<long> column = stackalloc long[8];
        Span<long> result = stackalloc long[8];

        for (int x = 0; x < 8; x++)
        {
            for (int i = 0; i < 8; i++) column[i] = coefficients[i * 8 + x] * quantization[i * 8 + x];
            Butterfly(column, result);
            for (int i = 0; i < 8; i++) workspace[i * 8 + x] = (int)Descale(result[i], ConstBits - Pass1Bits);
        }

        for (int y = 0; y < 8; y++)
        {
            for (int i = 0; i < 8; i++) column[i] = workspace[y * 8 + i];
            Butterfly(column, result);
            var row = output.Slice(y * stride, 8);
            for (int i = 0; i < 8; i++)
                row[i] = (byte)Math.Clamp(Descale(result[i], ConstBits + Pass1Bits + 3) + 128, 0, 255);
        }
    }

    /// <summary>One 8-point pass; results are scaled by 2^13 relative to the inputs (times sqrt(8) for a true IDCT).</summary>
    static void Butterfly(ReadOnlySpan<long> input, Span<long> output)
    {
        // Even part: the rotator is sqrt(2) * c(-6).
        long z2 = input[2], z3 = input[6];
        long z1 = (z2 + z3) * Fix0_541196100;
        long tmp2 = z1 + z3 * -Fix1_847759065;
        long tmp3 = z1 + z2 * Fix0_765366865;

        long tmp0 = (input[0] + input[4]) << ConstBits;
        long tmp1 = (input[0] - input[4]) << ConstBits;

        long tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3;
        long tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;

        // Odd part: inputs 7, 5, 3, 1.
        tmp0 = input[7]; tmp1 = input[5]; tmp2 = input[3]; tmp3 = input[1];
        z1 = tmp0 + tmp3;
        z2 = tmp1 + tmp2;
        z3 = tmp0 + tmp2;
        long z4 = tmp1 + tmp3;
        long z5 = (z3 + z4) * Fix1_175875602;

        tmp0 *= Fix0_298631336;
        tmp1 *= Fix2_053119869;
        tmp2 *= Fix3_072711026;
        tmp3 *= Fix1_501321110;
        z1 *= -Fix0_899976223;
        z2 *= -Fix2_562915447;
        z3 = z3 * -Fix1_961570560 + z5;
        z4 = z4 * -Fix0_390180644 + z5;

        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;

        output[0] = tmp10 + tmp3; output[7] = tmp10 - tmp3;
        output[1] = tmp11 + tmp2; output[6] = tmp11 - tmp2;
        output[2] = tmp12 + tmp1; output[5] = tmp12 - tmp1;
        output[3] = tmp13 + tmp0; output[4] = tmp13 - tmp0;
    }

    /// <summary>Right shift with rounding (adds half before shifting; arithmetic shift of negatives).</summary>
    static long Descale(long value, int bits) => (value + (1L << (bits - 1))) >> bits;
}
