using ClipNet.Evaluation;
using ClipNet.Interchange;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Evaluation;
using ParquetSharp;
using Xunit;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// The Parquet files we write (Parquet.Net), read back by ParquetSharp, which wraps Apache Arrow's C++
/// Parquet implementation — the reader behind pyarrow, pandas, DuckDB's peers and LanceDB's import.
/// </summary>
public class ParquetOutputTests
{
    const int Items = 40;

    static FeatureSet Cifar(Clip clip) => FeatureExtraction.Extract(clip, EvaluationData.Cifar, limit: Items);

    [Fact]
    public void FeatureTableHasTheSchemaRowsAndValuesArrowReads()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = Cifar(clip);
        string path = folder.File("cifar.parquet");
        FeatureFiles.Write(features, path, FeatureFormat.Parquet);

        using var file = new ParquetFileReader(path);
        var metadata = file.FileMetaData;
        Assert.Equal(Items, metadata.NumRows);
        Assert.Equal(1, metadata.NumRowGroups);
        var schema = metadata.Schema;
        Assert.Equal(["id", "caption", "position", "label", "class", "embedding.list.element"],
            Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Path.ToDotString()));
        Assert.Equal([PhysicalType.ByteArray, PhysicalType.ByteArray, PhysicalType.Int64, PhysicalType.Int32, PhysicalType.ByteArray,
                PhysicalType.Float],
            Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).PhysicalType));
        Assert.IsType<StringLogicalType>(schema.Column(0).LogicalType);
        Assert.IsType<StringLogicalType>(schema.Column(4).LogicalType);
        Assert.Equal(1, schema.Column(5).MaxRepetitionLevel);   // one list per row
        Assert.Equal("clipnet-features/1", metadata.KeyValueMetadata["clipnet.format"]);
        Assert.Equal(EvaluationData.Vit, metadata.KeyValueMetadata["clipnet.model"]);

        using var group = file.RowGroup(0);
        Assert.Equal(features.Items!.Ids, group.Column(0).LogicalReader<string>().ReadAll(Items));
        Assert.Equal(features.Captions.Select(c => c[0]), group.Column(1).LogicalReader<string>().ReadAll(Items));
        Assert.Equal(Enumerable.Range(0, Items).Select(i => (long)i), group.Column(2).LogicalReader<long>().ReadAll(Items));
        // cifar10-dev's README: record k has label k mod 10, in the official CIFAR-10 class order.
        Assert.Equal(Enumerable.Range(0, Items).Select(k => (int?)(k % 10)), group.Column(3).LogicalReader<int?>().ReadAll(Items));
        Assert.Equal(Enumerable.Range(0, Items).Select(k => EvaluationData.CifarClasses[k % 10]), group.Column(4).LogicalReader<string>().ReadAll(Items));

        var expected = features.ImageFeatures.data<float>().ToArray();
        var rows = group.Column(5).LogicalReader<float[]>().ReadAll(Items);
        Assert.All(rows, r => Assert.Equal(32, r.Length));
        Assert.Equal(expected, rows.SelectMany(r => r));
    }

    [Fact]
    public void ClipRetrievalMetadataHasItsColumnsInEmbeddingOrder()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = Cifar(clip);
        var written = FeatureFiles.Write(features, folder.Path, FeatureFormat.ClipRetrieval, EmbeddingPrecision.Float16);
        Assert.Equal([Path.Combine(folder.Path, "img_emb", "img_emb_0.npy"), Path.Combine(folder.Path, "metadata", "metadata_0.parquet")], written);

        // The embeddings are unit vectors, as clip-retrieval's mapper writes them for inner-product search.
        var npy = File.ReadAllBytes(written[0]);
        var data = npy.AsSpan(10 + System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(npy.AsSpan(8)));
        Assert.Equal(Items * 32 * 2, data.Length);
        for (int row = 0; row < Items; row++)
        {
            double squares = 0;
            for (int k = 0; k < 32; k++) squares += Math.Pow((double)System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(data[(2 * (row * 32 + k))..]), 2);
            Assert.Equal(1.0, Math.Sqrt(squares), 2);
        }

        using var file = new ParquetFileReader(written[1]);
        var schema = file.FileMetaData.Schema;
        // clip-retrieval's writer (clip_inference/writer.py) names these two; the rest are per-sample metadata columns.
        Assert.Equal(["image_path", "caption", "position", "label", "class"], Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Path.ToDotString()));
        Assert.Equal(Items, file.FileMetaData.NumRows);
        using var group = file.RowGroup(0);
        Assert.Equal(Enumerable.Range(0, Items).Select(k => $"images.bin#{k}"), group.Column(0).LogicalReader<string>().ReadAll(Items));
        Assert.Equal("a photo of a bird.", group.Column(1).LogicalReader<string>().ReadAll(Items)[2]);
    }

    [Fact]
    public void PartitionNamesArePaddedAsClipRetrievalPadsThem()
    {
        // writer.py: str(batch_num).zfill(int(math.log10(output_partition_count)) + 1)
        Assert.Equal("0", ClipRetrievalFolder.Partition(0, 1));
        Assert.Equal("3", ClipRetrievalFolder.Partition(3, 9));
        Assert.Equal("03", ClipRetrievalFolder.Partition(3, 10));
        Assert.Equal("099", ClipRetrievalFolder.Partition(99, 100));
    }

    [Fact]
    public void ForeignParquetIsRefusedWithItsName()
    {
        using var folder = new TempFolder();
        string path = folder.File("other.parquet");
        using (var writer = new ParquetFileWriter(path, [new Column<int>("x")]))
        {
            using var group = writer.AppendRowGroup();
            using var column = group.NextColumn().LogicalWriter<int>();
            column.WriteBatch([1, 2]);
            writer.Close();
        }
        var error = Assert.Throws<ClipNetException>(() => FeatureFiles.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not a ClipNet feature table", error.Message);

        string garbage = folder.Write("garbage.parquet", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var bad = Assert.Throws<ClipNetException>(() => FeatureFiles.Read(garbage));
        Assert.StartsWith(garbage, bad.Message);
    }
}
