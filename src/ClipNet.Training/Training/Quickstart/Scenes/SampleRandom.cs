using System.Buffers.Binary;
using ClipNet.Data;

namespace ClipNet.Training;

/// <summary>Which family of samples a random source belongs to, so evaluation images are never training images.</summary>
internal enum SampleStream
{
    Training = 1,
    HeldOutEvaluation = 2,
    SeenEvaluation = 3,
}

/// <summary>
/// A fresh random source for one sample, fixed by (seed, stream, index). Each sample owns its source, so
/// samples can be generated in any order and on any thread and still come out byte-identical.
/// </summary>
internal static class SampleRandom
{
    public static Random For(int seed, SampleStream stream, int index)
    {
        // Mixed, so neighbouring indices get unrelated seeds instead of nearly equal ones.
        var mixed = SplitMix64.Mix(((ulong)(uint)seed << 32 | (uint)index) ^ (ulong)stream * SplitMix64.GoldenGamma);
        return new Random((int)(mixed & int.MaxValue));
    }

    /// <summary>
    /// Fills <paramref name="bytes"/> with SplitMix64 output seeded from <paramref name="random"/>: per-pixel
    /// noise needs thousands of draws per image, and a seeded <see cref="Random"/> is several times slower.
    /// </summary>
    public static void FillBytes(Random random, Span<byte> bytes)
    {
        var state = (ulong)random.NextInt64();
        Span<byte> word = stackalloc byte[sizeof(ulong)];
        for (var offset = 0; offset < bytes.Length; offset += sizeof(ulong))
        {
            state += SplitMix64.GoldenGamma;
            BinaryPrimitives.WriteUInt64LittleEndian(word, SplitMix64.Mix(state));
            word[..Math.Min(sizeof(ulong), bytes.Length - offset)].CopyTo(bytes[offset..]);
        }
    }
}
