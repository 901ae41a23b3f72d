using ClipNet.Evaluation;
using ClipNet.Interchange;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using ClipNet.Tests.Evaluation;
using Xunit;
using static ClipNet.Tests.Cli.EvaluationCliTests;

namespace ClipNet.Tests.Interchange;

/// <summary>`clip features --shard / --format / --merge` end to end, on the 16 photos of photos-demo.</summary>
public class FeaturesCliTests
{
    static string[] Features(params string[] rest) => ["features", "--model", EvaluationData.Vit, "--data", EvaluationData.Photos, .. rest];

    [Fact]
    public void ShardJobsWriteParquetAndClipRetrievalAndMergeIntoTheUnshardedFile()
    {
        using var folder = new TempFolder();
        string shards = Directory.CreateDirectory(folder.File("shards")).FullName, retrieval = folder.File("retrieval");
        AssertSuccess(ClipProcess.Run(Features("--out", folder.File("whole.safetensors"))));
        for (int i = 0; i < 2; i++)
        {
            var run = ClipProcess.Run(Features("--shard", $"{i}/2", "--out", Path.Combine(shards, $"photos-{i}.parquet")));
            AssertSuccess(run);
            Assert.Contains($"(shard {i}/2)", run.Output);
            AssertSuccess(ClipProcess.Run(Features("--shard", $"{i}/2", "--format", "clip-retrieval", "--precision", "float16", "--out", retrieval)));
        }
        AssertSuccess(ClipProcess.Run("features", "--merge", shards, "--out", folder.File("merged.safetensors")));

        using var whole = FeatureSet.Load(folder.File("whole.safetensors"));
        using var merged = FeatureSet.Load(folder.File("merged.safetensors"));
        Assert.Equal(16, merged.Count);
        Assert.Equal(whole.Items!.Ids, merged.Items!.Ids);
        Assert.Equal(whole.Captions, merged.Captions);
        Assert.True(whole.ImageFeatures.allclose(merged.ImageFeatures, rtol: 1e-5, atol: 1e-6));

        // Both shards' partitions in one clip-retrieval folder, as its own distributed inference lays them out.
        Assert.Equal(["img_emb_0.npy", "img_emb_1.npy"], Directory.GetFiles(Path.Combine(retrieval, "img_emb")).Select(Path.GetFileName).Order());
        Assert.Equal(["metadata_0.parquet", "metadata_1.parquet"], Directory.GetFiles(Path.Combine(retrieval, "metadata")).Select(Path.GetFileName).Order());
        using var shard0 = FeatureParquet.Read(Path.Combine(shards, "photos-0.parquet"));
        long header = 10 + BitConverter.ToUInt16(File.ReadAllBytes(Path.Combine(retrieval, "img_emb", "img_emb_0.npy")), 8);
        Assert.Equal(header + shard0.Count * 32 * 2, new FileInfo(Path.Combine(retrieval, "img_emb", "img_emb_0.npy")).Length);
    }

    [Fact]
    public void BadShardRequestsAreOneClearLine()
    {
        using var folder = new TempFolder();
        AssertCleanFailure(ClipProcess.Run(Features("--shard", "2/2", "--out", folder.File("x.safetensors"))), "shard 2/2", "from 0 to 1");
        AssertCleanFailure(ClipProcess.Run(Features("--format", "parquet", "--precision", "float16", "--out", folder.File("x.parquet"))), "x.parquet", "float32");
        AssertSuccess(ClipProcess.Run(Features("--shard", "0/3", "--out", folder.File("part0.safetensors"))));
        AssertCleanFailure(ClipProcess.Run("features", "--merge", folder.File("part0.safetensors"), "--out", folder.File("merged.safetensors")),
            "shards 1/3, 2/3 missing");
        AssertCleanFailure(ClipProcess.Run("features", "--merge", folder.File("nothing-here"), "--out", folder.File("m.safetensors")), "nothing-here", "no such file or folder");
    }
}
