using ClipNet.Checkpoints;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class StateDictReaderTests : IDisposable
{
    readonly TempFolder folder = new();
    static readonly string Vit = SharedFixtures.Fixture("models", "vit");

    public void Dispose() => folder.Dispose();

    void Link(string name, string target) => File.CreateSymbolicLink(folder.File(name), target);

    [Fact]
    public void SafeTensorsFileKeepsItsMetadata()
    {
        string path = Path.Combine(Vit, "weights_openai.safetensors");
        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(StateDictFormat.SafeTensors, stateDict.Format);
        Assert.Equal(62, stateDict.Count);
        Assert.Equal("pt", stateDict.Metadata["format"]);
        Assert.False(HuggingFaceKeyMap.UsesHuggingFaceNames(stateDict.Keys));
    }

    [Fact]
    public void HuggingFaceFolderGivesItsModelSafetensors()
    {
        using var stateDict = StateDictReader.Read(Path.Combine(Vit, "hf"));
        Assert.Equal(StateDictFormat.SafeTensors, stateDict.Format);
        Assert.Equal(Path.Combine(Vit, "hf", "model.safetensors"), stateDict.SourcePath);
        Assert.True(HuggingFaceKeyMap.UsesHuggingFaceNames(stateDict.Keys));
    }

    [Fact]
    public void FolderPrefersSafetensorsOverPickles()
    {
        Link("pytorch_model.bin", Path.Combine(Vit, "openai_state_dict.pt"));
        using (var pickled = StateDictReader.Read(folder.Path)) Assert.Equal(StateDictFormat.PyTorchZip, pickled.Format);
        Link("open_clip_pytorch_model.bin", Path.Combine(Vit, "openai_state_dict.pt"));
        using (var openClip = StateDictReader.Read(folder.Path)) Assert.Equal(folder.File("open_clip_pytorch_model.bin"), openClip.SourcePath);
        Link("open_clip_model.safetensors", Path.Combine(Vit, "weights_openai.safetensors"));
        using (var safe = StateDictReader.Read(folder.Path)) Assert.Equal(StateDictFormat.SafeTensors, safe.Format);
    }

    [Fact]
    public void ParallelTrainingPrefixIsStripped()
    {
        using var weights = StateDictReader.Read(Path.Combine(Vit, "weights_openai.safetensors"));
        string path = folder.File("ddp.safetensors");
        SafeTensorsWriter.Write(path, weights.ToDictionary(kv => "module." + kv.Key, kv => kv.Value));
        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(weights.Keys.Order(), stateDict.Keys.Order());
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        string path = folder.File("nothing.safetensors");
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Equal($"{path}: file not found", error.Message);
    }

    [Fact]
    public void UnknownExtensionIsNamed()
    {
        string path = folder.Write("weights.npz", [1, 2, 3]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'.npz'", error.Message);
    }

    [Fact]
    public void FolderWithoutACheckpointSaysWhatItLookedFor()
    {
        folder.Write("config.json", "{}"u8.ToArray());
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(folder.Path));
        Assert.Contains(folder.Path, error.Message);
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("open_clip_pytorch_model.bin", error.Message);
    }

    [Fact]
    public void MissingTensorIsAUserError()
    {
        using var stateDict = StateDictReader.Read(Path.Combine(Vit, "weights_openai.safetensors"));
        var error = Assert.Throws<ClipNetException>(() => stateDict["visual.proj_typo"]);
        Assert.Contains("'visual.proj_typo'", error.Message);
        Assert.Contains("weights_openai.safetensors", error.Message);
    }

    [Fact]
    public void ShardedPickleCheckpoint()
    {
        Link("pytorch_model-00001-of-00001.bin", Path.Combine(Vit, "openai_state_dict.pt"));
        using var expected = SafeTensorsFile.Open(Path.Combine(Vit, "weights_openai.safetensors"));
        var map = expected.Tensors.Keys.ToDictionary(k => k, _ => "pytorch_model-00001-of-00001.bin");
        folder.Write("pytorch_model.bin.index.json", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { weight_map = map }));
        using var stateDict = StateDictReader.Read(folder.Path);
        Assert.Equal(StateDictFormat.ShardedPyTorchZip, stateDict.Format);
        foreach (var name in expected.Tensors.Keys) TensorBytes.AssertIdentical(expected, name, stateDict[name], name);
    }
}
