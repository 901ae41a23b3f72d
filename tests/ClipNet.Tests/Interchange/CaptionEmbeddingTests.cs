using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using ClipNet.Data;
using ClipNet.Evaluation;
using ClipNet.Interchange;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using ClipNet.Tests.Evaluation;
using ParquetSharp;
using Xunit;
using static ClipNet.Tests.Cli.EvaluationCliTests;
using static TorchSharp.torch;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// Caption embeddings beside the image embeddings, as clip-retrieval's inference writes them with enable_text:
/// `text_emb/text_emb_{i}.npy` row-aligned with `img_emb` and `metadata` (row i is the embedding of metadata row
/// i's caption), a `text_embedding` column in the Parquet table, `text_features` in the safetensors file, all
/// merged with the shards. photos-demo (16 photos, each with one written caption) and the tiny fixture ViT.
/// </summary>
public class CaptionEmbeddingTests
{
    /// <summary>Reads a 2-D little-endian float32 or float16 .npy (as NpyFileTests checks them against the spec).</summary>
    static (int Rows, int Columns, float[] Values) ReadNpy(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Regex.Match(System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength), @"'descr': '<f(\d)', 'fortran_order': False, 'shape': \((\d+), (\d+)\)");
        Assert.True(header.Success);
        int size = int.Parse(header.Groups[1].Value), rows = int.Parse(header.Groups[2].Value), columns = int.Parse(header.Groups[3].Value);
        var data = bytes.AsSpan(10 + headerLength);
        Assert.Equal(rows * columns * size, data.Length);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = size == 2 ? (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
        return (rows, columns, values);
    }

    static string[] Strings(string parquet, int column)
    {
        using var file = new ParquetFileReader(parquet);
        using var group = file.RowGroup(0);
        return group.Column(column).LogicalReader<string>().ReadAll((int)group.MetaData.NumRows);
    }

    /// <summary>Row i of <paramref name="values"/> (width D) is the normalised embedding of <paramref name="captions"/>[i], each encoded alone.</summary>
    static void AssertRowsAreTheCaptions(Clip clip, IReadOnlyList<string> captions, float[] values, double tolerance)
    {
        int dimension = values.Length / captions.Count;
        for (int row = 0; row < captions.Count; row++)
        {
            using var alone = clip.EncodeTexts([captions[row]]);
            var expected = alone.data<float>().ToArray();
            for (int k = 0; k < dimension; k++)
                Assert.True(Math.Abs(expected[k] - values[row * dimension + k]) <= tolerance,
                    $"row {row} ('{captions[row]}'), value {k}: {values[row * dimension + k]} vs {expected[k]} for the caption alone");
        }
    }

    [Fact]
    public void ClipRetrievalTextEmbeddingsAreRowAlignedWithItsMetadata()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Photos, embedCaptions: true);
        Assert.Equal([16, 32], features.TextFeatures!.shape);

        var written = FeatureFiles.Write(features, folder.Path, FeatureFormat.ClipRetrieval);
        Assert.Equal(["img_emb/img_emb_0.npy", "text_emb/text_emb_0.npy", "metadata/metadata_0.parquet"],
            written.Select(f => Path.GetRelativePath(folder.Path, f).Replace('\\', '/')));
        var (rows, columns, texts) = ReadNpy(written[1]);
        Assert.Equal((16, 32), (rows, columns));
        Assert.Equal(16, ReadNpy(written[0]).Rows);

        // Row i is metadata row i's caption, as the text tower gives it for that caption alone: the captions in the
        // dataset's own file, by the record the metadata's image_path names.
        var captionOfRecord = File.ReadLines(Path.Combine(EvaluationData.Photos, "captions.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToDictionary(f => $"images.bin#{f[0]}", f => f[1]);
        var ids = Strings(written[2], 0);
        var captions = Strings(written[2], 1);
        Assert.Equal(ids.Select(id => captionOfRecord[id]), captions);
        Assert.Equal(16, captions.Distinct().Count());
        AssertRowsAreTheCaptions(clip, captions, texts, 1e-5);

        using var noText = FeatureExtraction.Extract(clip, EvaluationData.Photos, limit: 3);
        Assert.Null(noText.TextFeatures);
        Assert.DoesNotContain(FeatureFiles.Write(noText, folder.File("images-only"), FeatureFormat.ClipRetrieval), f => f.Contains("text_emb"));
    }

    [Fact]
    public void ParquetAndSafetensorsCarryTheTextEmbeddingsAndReadThemBack()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        using var features = FeatureExtraction.Extract(clip, EvaluationData.Photos, embedCaptions: true);
        var expected = features.TextFeatures!.data<float>().ToArray();

        string parquet = folder.File("photos.parquet");
        FeatureFiles.Write(features, parquet, FeatureFormat.Parquet);
        using (var file = new ParquetFileReader(parquet))
        {
            var schema = file.FileMetaData.Schema;
            Assert.Equal("text_embedding.list.element", schema.Column(6).Path.ToDotString());
            Assert.Equal(PhysicalType.Float, schema.Column(6).PhysicalType);
            using var group = file.RowGroup(0);
            var rows = group.Column(6).LogicalReader<float[]>().ReadAll(16);
            Assert.All(rows, r => Assert.Equal(32, r.Length));
            Assert.Equal(expected, rows.SelectMany(r => r));
            // Raw (unnormalised) like the image column; row i is the embedding of the caption column's row i.
            var captions = group.Column(1).LogicalReader<string>().ReadAll(16);
            using var again = clip.EncodeTexts(captions, normalize: false);
            Assert.True(again.allclose(tensor(expected, [16, 32]), rtol: 1e-5, atol: 1e-6));
        }
        string safetensors = folder.File("photos.safetensors");
        FeatureFiles.Write(features, safetensors, FeatureFormat.Safetensors);
        foreach (string path in new[] { parquet, safetensors })
        {
            using var read = FeatureFiles.Read(path);
            Assert.Equal(expected, read.TextFeatures!.data<float>().ToArray());
            Assert.Equal(features.ImageFeatures.data<float>().ToArray(), read.ImageFeatures.data<float>().ToArray());
        }
    }

    [Fact]
    public void ShardsMergeTheirTextEmbeddingsRowForRow()
    {
        using var folder = new TempFolder();
        using var clip = EvaluationData.LoadVit();
        var dataset = DatasetFactory.Open(EvaluationData.Photos);
        using var whole = FeatureExtraction.Extract(clip, dataset, embedCaptions: true);
        for (int i = 0; i < 3; i++)
        {
            using var shard = FeatureExtraction.Extract(clip, dataset, shard: new Shard(i, 3), embedCaptions: true);
            FeatureFiles.Write(shard, folder.File($"part-{i}.{(i == 1 ? "parquet" : "safetensors")}"), i == 1 ? FeatureFormat.Parquet : FeatureFormat.Safetensors);
        }
        using var merged = FeatureFiles.Merge([folder.Path]);
        Assert.Equal(whole.Items!.Ids, merged.Items!.Ids);
        Assert.Equal(whole.Captions, merged.Captions);
        // A shard's text batches differ from the whole run's (length buckets of other captions), so rounding may too.
        Assert.True(whole.TextFeatures!.allclose(merged.TextFeatures!, rtol: 1e-5, atol: 1e-6),
            $"largest difference {whole.TextFeatures!.sub(merged.TextFeatures!).abs().max().item<float>()}");

        // A shard without text embeddings does not merge with shards that have them.
        using (var part = FeatureFiles.Read(folder.File("part-2.safetensors")))
        using (var imagesOnly = new FeatureSet(part.ImageFeatures.clone(), part.Labels, part.Captions, part.ClassNames, part.Model, part.Dataset, part.Items))
            imagesOnly.Save(folder.File("part-2.safetensors"));
        var error = Assert.Throws<ClipNetException>(() => FeatureFiles.Merge([folder.Path]));
        Assert.Contains("part-2.safetensors", error.Message);
        Assert.Contains("text embeddings (none)", error.Message);
    }

    [NumpyFact]
    public void NumpyReadsTheTextEmbeddingsAsTheCaptionsUnitVectors()
    {
        using var folder = new TempFolder();
        var run = ClipProcess.Run("features", "--model", EvaluationData.Vit, "--data", EvaluationData.Photos, "--format", "clip-retrieval",
            "--precision", "float16", "--out", folder.Path);
        AssertSuccess(run);
        Assert.Contains("16 images and 16 captions", run.Output);
        string text = Path.Combine(folder.Path, "text_emb", "text_emb_0.npy"), image = Path.Combine(folder.Path, "img_emb", "img_emb_0.npy");
        var (output, error, exit) = Numpy.Run(string.Join('\n',
            "import sys, numpy as np",
            "t = np.load(sys.argv[1]); i = np.load(sys.argv[2])",
            "print(t.dtype, t.shape, i.shape, np.allclose(np.linalg.norm(t.astype(np.float32), axis=1), 1, atol=2e-3))",
            "print(' '.join(repr(float(v)) for v in t.ravel()))"), text, image);
        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("float16 (16, 32) (16, 32) True", lines[0]);

        var captions = Strings(Path.Combine(folder.Path, "metadata", "metadata_0.parquet"), 1);
        using var clip = EvaluationData.LoadVit();
        AssertRowsAreTheCaptions(clip, captions, [.. lines[1].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture))], 1e-3);

        string imagesOnly = folder.File("images-only");
        AssertSuccess(ClipProcess.Run("features", "--model", EvaluationData.Vit, "--data", EvaluationData.Photos, "--format", "clip-retrieval", "--no-text", "--out", imagesOnly));
        Assert.False(Directory.Exists(Path.Combine(imagesOnly, "text_emb")));
    }
}
