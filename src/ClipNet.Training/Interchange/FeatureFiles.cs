using ClipNet.Data;
using ClipNet.Evaluation;
using static TorchSharp.torch;

namespace ClipNet.Interchange;

/// <summary>The file formats `clip features` writes.</summary>
public enum FeatureFormat
{
    /// <summary>ClipNet's feature file (<see cref="FeatureSet.Save"/>), which the evaluations read.</summary>
    Safetensors,
    /// <summary>One Parquet table (<see cref="FeatureParquet"/>).</summary>
    Parquet,
    /// <summary>clip-retrieval's folder of .npy embeddings and Parquet metadata (<see cref="ClipRetrievalFolder"/>).</summary>
    ClipRetrieval,
}

/// <summary>
/// Writes a <see cref="FeatureSet"/> in any <see cref="FeatureFormat"/>, reads the single-file formats back, and
/// merges the shards of one dataset (written by N jobs with <c>--shard i/N</c>) into the set the unsharded run
/// would have given: every shard present once, rows in dataset order.
/// </summary>
public static class FeatureFiles
{
    /// <summary>The format of an output path when none is named: Parquet for <c>.parquet</c>, else safetensors.</summary>
    public static FeatureFormat FormatOf(string path) =>
        Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase) ? FeatureFormat.Parquet : FeatureFormat.Safetensors;

    /// <summary>Writes <paramref name="features"/>; returns the files written (for clip-retrieval, into the folder <paramref name="output"/>).</summary>
    public static IReadOnlyList<string> Write(FeatureSet features, string output, FeatureFormat format, EmbeddingPrecision precision = EmbeddingPrecision.Float32)
    {
        switch (format)
        {
            case FeatureFormat.Safetensors:
                if (precision != EmbeddingPrecision.Float32)
                    throw new ClipNetException($"{output}: safetensors feature files hold float32 (the evaluations read them); float16 is for --format parquet or clip-retrieval");
                features.Save(output);
                return [output];
            case FeatureFormat.Parquet:
                if (precision != EmbeddingPrecision.Float32)
                    throw new ClipNetException($"{output}: Parquet feature tables hold float32 (Parquet.Net cannot write Parquet's FLOAT16); float16 is for --format clip-retrieval");
                FeatureParquet.Write(features, output);
                return [output];
            default:
                return ClipRetrievalFolder.Write(features, output, precision);
        }
    }

    /// <summary>Reads a safetensors or Parquet feature file, by its extension.</summary>
    public static FeatureSet Read(string path) =>
        FormatOf(path) == FeatureFormat.Parquet ? FeatureParquet.Read(path) : FeatureSet.Load(path);

    /// <summary>
    /// The feature files among <paramref name="inputs"/>: each file as given, and the <c>.safetensors</c> and
    /// <c>.parquet</c> files directly inside each folder.
    /// </summary>
    public static IReadOnlyList<string> ShardFiles(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (File.Exists(input)) files.Add(input);
            else if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input)
                    .Where(f => Path.GetExtension(f) is ".safetensors" or ".parquet")
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) throw new ClipNetException($"{input}: no .safetensors or .parquet feature files in this folder");
                files.AddRange(found);
            }
            else throw new ClipNetException($"{input}: no such file or folder");
        }
        return files;
    }

    /// <summary>
    /// Merges the shards in <paramref name="inputs"/> (files or folders of them). They must come from one
    /// model and dataset, split N ways, with every shard 0 … N−1 present exactly once and no item twice.
    /// </summary>
    public static FeatureSet Merge(IEnumerable<string> inputs)
    {
        var files = ShardFiles(inputs);
        if (files.Count == 0) throw new ClipNetException("nothing to merge: give the shard files or the folders that hold them");
        var shards = new List<(string File, FeatureSet Set)>();
        try
        {
            foreach (string file in files) shards.Add((file, Read(file)));
            return Combine(shards);
        }
        finally
        {
            foreach (var (_, set) in shards) set.Dispose();
        }
    }

    static FeatureSet Combine(List<(string File, FeatureSet Set)> shards)
    {
        var (firstFile, first) = shards[0];
        foreach (var (file, set) in shards)
        {
            if (set.Items is null) throw new ClipNetException($"{file}: written without item ids, so it cannot be merged; embed it again with `clip features`");
            Same(file, "model", set.Model, firstFile, first.Model);
            Same(file, "dataset", set.Dataset, firstFile, first.Dataset);
            Same(file, "embedding dimension", set.Dimension.ToString(), firstFile, first.Dimension.ToString());
            Same(file, "class names", string.Join(", ", set.ClassNames ?? []), firstFile, string.Join(", ", first.ClassNames ?? []));
            Same(file, "shard count", set.Items.Shard.Count.ToString(), firstFile, first.Items!.Shard.Count.ToString());
            Same(file, "text embeddings", set.TextFeatures is null ? "none" : "present", firstFile, first.TextFeatures is null ? "none" : "present");
        }
        int count = first.Items!.Shard.Count;
        var byIndex = new Dictionary<int, string>();
        foreach (var (file, set) in shards)
            if (!byIndex.TryAdd(set.Items!.Shard.Index, file))
                throw new ClipNetException($"{file}: shard {set.Items.Shard} is also in {byIndex[set.Items.Shard.Index]}");
        var missing = Enumerable.Range(0, count).Where(i => !byIndex.ContainsKey(i)).ToList();
        if (missing.Count > 0)
            throw new ClipNetException($"{first.Dataset}: shard{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.Select(i => $"{i}/{count}"))} missing from the merge ({shards.Count} of {count} given)");

        var rows = shards.SelectMany((s, shard) => Enumerable.Range(0, s.Set.Count).Select(row => (shard, row, position: s.Set.Items!.Positions[row])))
            .OrderBy(r => r.position).ToList();
        for (int i = 1; i < rows.Count; i++)
            if (rows[i].position == rows[i - 1].position)
                throw new ClipNetException(
                    $"{shards[rows[i].shard].File}: item '{shards[rows[i].shard].Set.Items!.Ids[rows[i].row]}' (position {rows[i].position}) is also in {shards[rows[i - 1].shard].File}");

        using var scope = NewDisposeScope();
        using var order = tensor(rows.Select(r => r.shard == 0 ? r.row : (long)r.row + shards.Take(r.shard).Sum(s => (long)s.Set.Count)).ToArray());
        var all = cat(shards.Select(s => s.Set.ImageFeatures).ToArray());
        var features = all.index_select(0, order).MoveToOuterDisposeScope();
        var texts = first.TextFeatures is null ? null : cat(shards.Select(s => s.Set.TextFeatures!).ToArray()).index_select(0, order).MoveToOuterDisposeScope();
        var items = new FeatureItems([.. rows.Select(r => shards[r.shard].Set.Items!.Ids[r.row])], [.. rows.Select(r => r.position)], Shard.Whole);
        return new FeatureSet(features, [.. rows.Select(r => shards[r.shard].Set.Labels[r.row])], [.. rows.Select(r => shards[r.shard].Set.Captions[r.row])],
            first.ClassNames, first.Model, first.Dataset, items, texts);
    }

    static void Same(string file, string what, string value, string firstFile, string expected)
    {
        if (value != expected)
            throw new ClipNetException($"{file}: its {what} ({value}) differs from that of {firstFile} ({expected}); shards to merge come from one model and dataset");
    }
}
