namespace ClipNet.Search;

/// <summary>
/// Finds duplicate groups: byte-identical files by content hash, and near duplicates as the connected
/// components (union-find) of the graph whose edges join photos with cosine similarity ≥ the threshold.
/// Each distinct content takes part once in the near-duplicate search (its lowest id stands for its copies), so
/// exact copies alone never make a near group. Compares every pair: n²·d multiply-adds, about a minute for 50,000 photos of 512 values on two cores.
/// </summary>
static class DuplicateFinder
{
    public static DuplicateReport Find(List<PhotoRecord> records, VectorMatrix vectors, float threshold)
    {
        if (!(threshold is > 0 and <= 1)) throw new ClipNetException($"the duplicate threshold is a cosine similarity in (0, 1], got {threshold}");
        var groups = new List<DuplicateGroup>();
        var byHash = Enumerable.Range(0, records.Count).GroupBy(row => records[row].ContentHash).ToList();
        foreach (var same in byHash.Where(g => g.Count() > 1))
            groups.Add(new DuplicateGroup(DuplicateKind.Exact, [.. same.Select(row => records[row])], 1f));

        int[] distinct = [.. byHash.Select(g => g.First())];
        var parent = Enumerable.Range(0, distinct.Length).ToArray();
        int Root(int i) { while (parent[i] != i) i = parent[i] = parent[parent[i]]; return i; }
        for (int i = 0; i < distinct.Length; i++)
        {
            var scores = vectors.Scores(vectors.Row(distinct[i]));
            for (int j = i + 1; j < distinct.Length; j++)
                if (scores[distinct[j]] >= threshold) parent[Root(j)] = Root(i);
        }
        foreach (var component in Enumerable.Range(0, distinct.Length).GroupBy(Root).Where(c => c.Count() > 1))
        {
            int[] rows = [.. component.Select(i => distinct[i])];
            float least = 1f;
            foreach (int a in rows)
            {
                var scores = vectors.Scores(vectors.Row(a));
                foreach (int b in rows) if (b != a) least = Math.Min(least, scores[b]);
            }
            groups.Add(new DuplicateGroup(DuplicateKind.Near, [.. rows.Select(row => records[row])], least));
        }
        return new DuplicateReport(threshold, groups);
    }
}
