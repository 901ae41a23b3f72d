namespace ClipNet.Data;

/// <summary>What a per-sample random source is for, so the crop and the caption choice draw independently.</summary>
internal enum SampleRandomUse
{
    Augmentation = 1,
    CaptionChoice = 2,
    /// <summary>The epoch's shuffle (index 0): one source per epoch.</summary>
    Shuffle = 3,
}

/// <summary>
/// A fresh random source per (seed, epoch, dataset index, use). Every sample owns its source, so the result
/// does not depend on which worker thread handles it or in what order.
/// </summary>
internal static class EpochSampleRandom
{
    public static Random For(int seed, int epoch, int index, SampleRandomUse use)
    {
        ulong key = SplitMix64.Mix((ulong)(uint)seed * SplitMix64.GoldenGamma);
        key = SplitMix64.Mix(key ^ ((ulong)(uint)epoch << 32 | (uint)index));
        key = SplitMix64.Mix(key ^ (ulong)use * SplitMix64.GoldenGamma);
        return new Random((int)(key & int.MaxValue));
    }
}
