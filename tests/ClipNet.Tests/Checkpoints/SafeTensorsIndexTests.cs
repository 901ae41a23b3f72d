using System.Text.Json;
using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class SafeTensorsIndexTests : IDisposable
{
    readonly TempFolder folder = new();
    readonly string reference = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");

    public void Dispose() => folder.Dispose();

    /// <summary>Splits the reference weights into two shards (visual / the rest) with a Hugging Face style index.</summary>
    string WriteShards(Func<string, string>? shardOf = null)
    {
        using var weights = StateDictReader.Read(reference);
        shardOf ??= name => name.StartsWith("visual.") ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        foreach (var group in weights.GroupBy(kv => shardOf(kv.Key)))
            SafeTensorsWriter.Write(folder.File(group.Key), group.ToDictionary(kv => kv.Key, kv => kv.Value), new Dictionary<string, string> { ["format"] = "pt" });
        var index = new { metadata = new { total_size = 14788868 }, weight_map = weights.Keys.ToDictionary(k => k, shardOf) };
        return folder.Write("model.safetensors.index.json", JsonSerializer.SerializeToUtf8Bytes(index));
    }

    [Fact]
    public void ShardedCheckpointGivesTheReferenceTensors()
    {
        string index = WriteShards();
        using var expected = SafeTensorsFile.Open(reference);
        foreach (var path in new[] { index, folder.Path })
        {
            using var stateDict = StateDictReader.Read(path);
            Assert.Equal(StateDictFormat.ShardedSafeTensors, stateDict.Format);
            Assert.Equal("14788868", stateDict.Metadata["total_size"]);
            Assert.Equal(expected.Tensors.Keys.Order(), stateDict.Keys.Order());
            foreach (var name in expected.Tensors.Keys) TensorBytes.AssertIdentical(expected, name, stateDict[name], name);
        }
    }

    [Fact]
    public void IndexExposesShardsAndInfos()
    {
        string index = WriteShards();
        using var shards = SafeTensorsIndex.Open(index);
        Assert.Equal(2, shards.Index.ShardPaths.Count);
        Assert.Equal(new long[] { 128, 3, 8, 8 }, shards.Info("visual.conv1.weight").Shape);
        Assert.Equal("model-00001-of-00002.safetensors", shards.Index.WeightMap["visual.conv1.weight"]);
        var error = Assert.Throws<ClipNetException>(() => shards.Load("nope"));
        Assert.Contains(index, error.Message);
    }

    [Fact]
    public void MissingShardIsNamed()
    {
        string index = WriteShards();
        File.Delete(folder.File("model-00002-of-00002.safetensors"));
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(index));
        Assert.Contains(index, error.Message);
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
    }

    [Fact]
    public void TensorMissingFromItsShardIsNamed()
    {
        string index = WriteShards();
        var json = File.ReadAllText(index).Replace("\"logit_scale\":\"model-00002-of-00002.safetensors\"", "\"logit_scale\":\"model-00001-of-00002.safetensors\"");
        File.WriteAllText(index, json);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(index));
        Assert.Contains("'logit_scale'", error.Message);
        Assert.Contains("model-00001-of-00002.safetensors", error.Message);
    }

    [Fact]
    public void ShardOutsideTheFolderIsRefused()
    {
        string index = folder.Write("model.safetensors.index.json", """{"weight_map": {"a": "../elsewhere.safetensors"}}"""u8.ToArray());
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(index));
        Assert.Contains("not a file beside the index", error.Message);
    }

    [Fact]
    public void IndexWithoutWeightMapIsRefused()
    {
        string index = folder.Write("model.safetensors.index.json", """{"metadata": {}}"""u8.ToArray());
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(index));
        Assert.Contains(index, error.Message);
        Assert.Contains("weight_map", error.Message);
    }
}
