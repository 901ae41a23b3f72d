using System.Globalization;
using ClipNet.Evaluation;
using ClipNet.IO;
using ClipNet.Model;
using Parquet.Schema;
using static TorchSharp.torch;

namespace ClipNet.Interchange;

/// <summary>
/// Writes features in the folder layout of clip-retrieval's inference step, which `clip-retrieval index` and
/// autofaiss read: <c>img_emb/img_emb_{i}.npy</c> (the L2-normalised image embeddings, float16 as
/// clip-retrieval writes them or float32), when the captions were embedded <c>text_emb/text_emb_{i}.npy</c> (the
/// L2-normalised embedding of each row's caption, as its inference writes with enable_text), and
/// <c>metadata/metadata_{i}.parquet</c>, one row per embedding in the same order, with clip-retrieval's columns
/// <c>image_path</c> and <c>caption</c> and, as its
/// <c>--enable_metadata</c> adds a sample's own fields, <c>position</c>, <c>label</c> and <c>class</c> (as in
/// <see cref="FeatureParquet"/>).
/// Partition i is the shard index; like clip-retrieval, i is zero-padded to the digits of the shard count, so
/// the N shards of one dataset write into one folder and sort in order. <c>image_path</c> is the item's id.
/// </summary>
public static class ClipRetrievalFolder
{
    static readonly FeatureParquet.ItemColumns Columns = new(new DataField<string>("image_path", nullable: true));

    /// <summary>The partition's file suffix: clip-retrieval pads it to int(log10(count)) + 1 digits.</summary>
    public static string Partition(int index, int count) =>
        index.ToString(CultureInfo.InvariantCulture).PadLeft((int)Math.Floor(Math.Log10(count)) + 1, '0');

    /// <summary>Writes <paramref name="features"/> as partition (shard index) of <paramref name="folder"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Write(FeatureSet features, string folder, EmbeddingPrecision precision)
    {
        var items = features.Items
            ?? throw new ClipNetException($"{folder}: the features of {features.Dataset} carry no item ids; embed the dataset again with `clip features`");
        string partition = Partition(items.Shard.Index, items.Shard.Count);
        var written = new List<string> { WriteNormalized(features.ImageFeatures, folder, "img_emb", partition, precision) };
        if (features.TextFeatures is { } texts) written.Add(WriteNormalized(texts, folder, "text_emb", partition, precision));

        string metadata = Path.Combine(folder, "metadata", $"metadata_{partition}.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(metadata)!);
        AtomicFile.Write(metadata, stream => FeatureParquet.WriteTable(stream, new ParquetSchema(Columns.Fields), null, group => Columns.Write(group, features, items)));
        written.Add(metadata);
        return written;
    }

    /// <summary>Writes <c>{kind}/{kind}_{partition}.npy</c>: the rows of <paramref name="embeddings"/>, L2-normalised.</summary>
    static string WriteNormalized(Tensor embeddings, string folder, string kind, string partition, EmbeddingPrecision precision)
    {
        string path = Path.Combine(folder, kind, $"{kind}_{partition}.npy");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var scope = NewDisposeScope();
        var normalized = ClipModel.Normalize(embeddings).contiguous().data<float>().ToArray();
        NpyFile.Write(path, normalized, (int)embeddings.shape[0], (int)embeddings.shape[1], precision);
        return path;
    }
}
