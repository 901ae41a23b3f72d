namespace ClipNet.Data;

/// <summary>
/// The seeded shuffle of one epoch: a Fisher–Yates permutation from a generator seeded by (seed, epoch), so
/// any epoch's order can be recomputed on resume, in this process or another, without replaying earlier ones.
/// (Not HashCode.Combine: .NET randomises it per process, which made resumed runs see other batches.)
/// </summary>
public static class EpochOrder
{
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var random = EpochSampleRandom.For(seed, epoch, 0, SampleRandomUse.Shuffle);
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
