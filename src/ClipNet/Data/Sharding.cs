using System.Globalization;
using System.Text;

namespace ClipNet.Data;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: the items whose id hashes to <see cref="Index"/> modulo
/// <see cref="Count"/>. Every item falls in exactly one shard, so N jobs (a Slurm array, a Kubernetes indexed
/// Job) given 0/N … N−1/N embed disjoint parts that together cover the dataset, whatever machine or process
/// runs them. The hash is 64-bit FNV-1a of the id's UTF-8 bytes: fixed by its definition, unlike
/// <see cref="string.GetHashCode()"/>, which .NET seeds afresh in every process.
/// </summary>
public readonly record struct Shard
{
    public int Index { get; }
    public int Count { get; }

    /// <summary>The whole dataset: shard 0 of 1.</summary>
    public static readonly Shard Whole = new(0, 1);

    public Shard(int index, int count)
    {
        if (count < 1) throw new ClipNetException($"a shard count must be at least 1, got {count}");
        if (index < 0 || index >= count) throw new ClipNetException($"shard {index}/{count}: the index must be from 0 to {count - 1}");
        Index = index;
        Count = count;
    }

    public bool IsWhole => Count == 1;

    /// <summary>Reads "i/N" (0 ≤ i &lt; N), the form job schedulers' array indices fill in.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            throw new ClipNetException($"'{text}' is not a shard: expected INDEX/COUNT, e.g. 0/8 for the first of eight");
        return new Shard(index, count);
    }

    /// <summary>Whether the item with this id belongs to this shard.</summary>
    public bool Contains(string id) => Of(id, Count) == Index;

    /// <summary>The shard, out of <paramref name="count"/>, that the item with this id belongs to.</summary>
    public static int Of(string id, int count) => (int)(Fnv1a64(id) % (ulong)count);

    /// <summary>The positions (in dataset order) of the items of <paramref name="dataset"/> in this shard.</summary>
    public int[] Positions(IImageTextDataset dataset)
    {
        var shard = this;
        return [.. Enumerable.Range(0, dataset.Count).Where(i => shard.Contains(dataset.Id(i)))];
    }

    public override string ToString() => $"{Index}/{Count}";

    static ulong Fnv1a64(string id)
    {
        const ulong offsetBasis = 14695981039346656037, prime = 1099511628211;
        ulong hash = offsetBasis;
        foreach (byte b in Encoding.UTF8.GetBytes(id))
        {
            hash ^= b;
            hash *= prime;
        }
        return hash;
    }
}
