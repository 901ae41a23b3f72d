using ClipNet.Checkpoints;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Checkpoints;

public class PyTorchCheckpointTests : IDisposable
{
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>
    /// Python pickles ints of 2^31 and above as LONG1; a checkpoint may spell any int that way. Every int of this
    /// tensor (element count, offset, sizes, strides) is LONG1, and the tensor must load with its values.
    /// </summary>
    [Fact]
    public void IntsInTheLong1EncodingAreOrdinaryInts()
    {
        var pickle = new PickleBuilder().Proto(2).EmptyDict().ShortUnicode("w")
            .Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Unicode("storage").Global("torch", "FloatStorage").Unicode("0").Unicode("cpu").Long1(6).Tuple().BinPersId()
            .Long1(1).Mark().Long1(2).Long1(2).Tuple().Mark().Long1(2).Long1(1).Tuple().Bool(false)
            .Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple().Reduce().SetItem().Stop();
        string path = folder.File("long1.pt");
        TestArchives.WriteAligned(path, [("archive/data.pkl", pickle.ToArray()), ("archive/data/0", Floats(0, 1, 2, 3, 4, 5))]);
        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(new long[] { 2, 2 }, stateDict["w"].shape);
        Assert.Equal(new[] { 1f, 2, 3, 4 }, stateDict["w"].data<float>().ToArray());
    }

    [Fact]
    public void TorchSaveFixtureHoldsExactlyTheReferenceTensors()
    {
        using var expected = SafeTensorsFile.Open(SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors"));
        string path = SharedFixtures.Fixture("models", "vit", "openai_state_dict.pt");
        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(StateDictFormat.PyTorchZip, stateDict.Format);
        Assert.Equal(path, stateDict.SourcePath);
        Assert.Equal(expected.Tensors.Keys.Order(), stateDict.Keys.Order());
        foreach (var name in expected.Tensors.Keys) TensorBytes.AssertIdentical(expected, name, stateDict[name], name);
        // state_dict() order, as pickled: the first entries of the OrderedDict.
        Assert.Equal(["positional_embedding", "text_projection", "logit_scale"], stateDict.Keys.Take(3));
    }

    /// <summary>.pt → safetensors with the reference file's metadata reproduces the reference file byte for byte.</summary>
    [Fact]
    public void TorchSaveFixtureConvertsToTheReferenceSafetensorsFile()
    {
        string reference = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
        using var metadata = SafeTensorsFile.Open(reference);
        using var stateDict = StateDictReader.Read(SharedFixtures.Fixture("models", "vit", "openai_state_dict.pt"));
        string converted = folder.File("converted.safetensors");
        SafeTensorsWriter.Write(converted, stateDict, metadata.Metadata);
        Assert.True(File.ReadAllBytes(reference).AsSpan().SequenceEqual(File.ReadAllBytes(converted)));
    }

    /// <summary>
    /// An OpenCLIP training checkpoint: {"epoch", "name", "state_dict" (DistributedDataParallel names with
    /// `module.`), "optimizer"}, stored deflated so the storages are copied rather than mapped. One tensor
    /// is a strided view with a storage offset (`as_strided` on the storage), one is int64, one is a
    /// Parameter wrapped in `_rebuild_parameter`.
    /// </summary>
    [Fact]
    public void OpenClipTrainingCheckpointIsUnwrapped()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().BinPut(0).Mark();
        p.Unicode("epoch").Int(32);
        p.Unicode("name").Unicode("ViT-B-32-laion");
        p.Unicode("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        // module.weight: rows 1..2 of a 3x2 storage, transposed: storage [0..5], offset 2, size (2,2), stride (1,2)
        p.Unicode("module.weight").Tensor("FloatStorage", "0", 6, 2, [2, 2], [1, 2]);
        p.Unicode("module.steps").Tensor("LongStorage", "1", 1, 0, [], []);
        p.Unicode("module.scale").Global("torch._utils", "_rebuild_parameter").Mark()
            .Tensor("FloatStorage", "2", 1, 0, [], []).Bool(true).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple().Reduce();
        p.SetItems();
        p.Unicode("optimizer").EmptyDict().Unicode("state").EmptyDict().Int(0).EmptyDict()
            .Unicode("exp_avg").Tensor("FloatStorage", "3", 2, 0, [2], [1]).SetItem().SetItem().SetItem()
            .Unicode("param_groups").EmptyList().EmptyDict().Unicode("lr").Float(0.001).SetItem()
            .Unicode("betas").Float(0.9).Float(0.98).Tuple2().SetItem().Append().SetItem();
        p.SetItems().Stop();
        string path = folder.File("epoch_32.pt");
        TestArchives.WriteDeflated(path,
        [
            ("epoch_32/data.pkl", p.ToArray()),
            ("epoch_32/data/0", Floats(0, 1, 2, 3, 4, 5)),
            ("epoch_32/data/1", BitConverter.GetBytes(123456789012L)),
            ("epoch_32/data/2", Floats(4.6052f)),
            ("epoch_32/data/3", Floats(7, 8)),
            ("epoch_32/version", "3\n"u8.ToArray()),
        ]);

        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(StateDictFormat.PyTorchZip, stateDict.Format);
        Assert.Equal(["weight", "steps", "scale"], stateDict.Keys);
        Assert.Equal("32", stateDict.Metadata["epoch"]);
        Assert.Equal("ViT-B-32-laion", stateDict.Metadata["name"]);
        // storage element (i, j) of the view = storage[2 + i*1 + j*2]
        Assert.Equal(new[] { 2f, 4f, 3f, 5f }, stateDict["weight"].contiguous().data<float>().ToArray());
        Assert.Equal(ScalarType.Int64, stateDict["steps"].dtype);
        Assert.Equal(123456789012L, stateDict["steps"].item<long>());
        Assert.Empty(stateDict["scale"].shape);
        Assert.Equal(4.6052f, stateDict["scale"].item<float>());
    }

    /// <summary>
    /// A synthetic archive with the TorchScript layout that `torch.jit.save` writes (OpenAI's original
    /// CLIP .pt files): `archive/data.pkl` pickles the module tree as `__torch__.*` objects (GLOBAL,
    /// EMPTY_TUPLE, NEWOBJ, then BUILD with a dict of attributes), tensors are `_rebuild_tensor_v2` on
    /// HalfStorage persistent ids pointing at `archive/data/&lt;key&gt;`, plus `constants.pkl`, `version`
    /// and `code/`. Members are stored and 64-byte aligned like PyTorch's writer, so they are mapped.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TorchScriptArchiveGivesTheModuleTensorsByDottedName(bool aligned)
    {
        string path = folder.File("ViT-B-32.pt");
        WriteTorchScriptArchive(path, aligned, withCode: true);

        using var stateDict = StateDictReader.Read(path);
        Assert.Equal(StateDictFormat.TorchScript, stateDict.Format);
        Assert.Equal("__torch__.clip.model.CLIP", stateDict.Metadata["torchscript_class"]);
        Assert.Equal(["visual.proj", "visual.class_embedding", "logit_scale", "text_projection", "input_resolution"], stateDict.Keys);
        Assert.All(stateDict.Keys.SkipLast(1), k => Assert.Equal(ScalarType.Float16, stateDict[k].dtype));
        Assert.Equal(new long[] { 2, 3 }, stateDict["visual.proj"].shape);
        Assert.Equal(HalfBits(0, 1, 2, 3, 4, 5), TensorBytes.Of(stateDict["visual.proj"]));
        Assert.Equal(HalfBits(6, 8, 10), TensorBytes.Of(stateDict["visual.class_embedding"]));
        Assert.Equal(new long[] { 3, 2 }, stateDict["text_projection"].shape);
        Assert.Equal(HalfBits(0, 3, 1, 4, 2, 5), TensorBytes.Of(stateDict["text_projection"]));
        Assert.Empty(stateDict["logit_scale"].shape);
        Assert.Equal(HalfBits(4.60546875f), TensorBytes.Of(stateDict["logit_scale"]));
        Assert.Equal(224L, stateDict["input_resolution"].item<long>());
    }

    [Fact]
    public void TorchScriptClassesAreRefusedOutsideATorchScriptArchive()
    {
        string path = folder.File("not_torchscript.pt");
        WriteTorchScriptArchive(path, aligned: true, withCode: false);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'__torch__.clip.model.CLIP'", error.Message);
    }

    static byte[] HalfBits(params float[] values) => values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray();

    static void WriteTorchScriptArchive(string path, bool aligned, bool withCode)
    {
        var p = new PickleBuilder().Proto(2);
        p.Global("__torch__.clip.model", "CLIP").BinPut(0).EmptyTuple().NewObj().EmptyDict().Mark();
        p.Unicode("training").Bool(false);
        p.Unicode("visual").Global("__torch__.clip.model", "VisionTransformer").EmptyTuple().NewObj().EmptyDict().Mark()
            .Unicode("training").Bool(false)
            .Unicode("proj").Tensor("HalfStorage", "0", 12, 0, [2, 3], [3, 1])
            .Unicode("class_embedding").Tensor("HalfStorage", "0", 12, 6, [3], [2])
            .Unicode("attn_mask").None()
            .SetItems().Build();
        p.Unicode("logit_scale").Tensor("HalfStorage", "1", 1, 0, [], []);
        p.Unicode("text_projection").Tensor("HalfStorage", "0", 12, 0, [3, 2], [1, 3]);
        p.Unicode("input_resolution").Tensor("LongStorage", "2", 1, 0, [], []);
        p.SetItems().Build().Stop();

        var members = new List<(string, byte[])>
        {
            ("archive/data.pkl", p.ToArray()),
            ("archive/data/0", HalfBits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)),
            ("archive/data/1", HalfBits(4.60546875f)),
            ("archive/data/2", BitConverter.GetBytes(224L)),
            ("archive/version", "3\n"u8.ToArray()),
        };
        if (withCode)
        {
            members.Add(("archive/constants.pkl", new PickleBuilder().Proto(2).EmptyTuple().Stop().ToArray()));
            members.Add(("archive/code/__torch__/clip/model.py", "class CLIP(Module):\n  __parameters__ = []\n"u8.ToArray()));
        }
        if (aligned) TestArchives.WriteAligned(path, members);
        else TestArchives.WriteDeflated(path, members);
    }

    [Fact]
    public void TruncatedArchiveIsACorruptZip()
    {
        var whole = File.ReadAllBytes(SharedFixtures.Fixture("models", "vit", "openai_state_dict.pt"));
        string path = folder.Write("truncated.pt", whole[..(whole.Length / 2)]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("corrupt zip archive", error.Message);
    }

    [Fact]
    public void ZipWithoutDataPklIsNotACheckpoint()
    {
        string path = folder.File("photos.pt");
        TestArchives.WriteAligned(path, [("photos/cat.jpg", [1, 2, 3]), ("readme.txt", "hi"u8.ToArray())]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("data.pkl", error.Message);
    }

    [Fact]
    public void FileThatIsNotAZipIsRefused()
    {
        string path = folder.Write("legacy.pt", new PickleBuilder().Proto(2).Int(0x1950a86a20f9469c).Stop().ToArray());
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not a PyTorch zip checkpoint", error.Message);
    }

    [Fact]
    public void MissingStorageIsNamed()
    {
        string path = folder.File("missing_storage.pt");
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Unicode("w").Tensor("FloatStorage", "7", 2, 0, [2], [1]).SetItem().Stop();
        TestArchives.WriteAligned(path, [("m/data.pkl", pickle.ToArray())]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("m/data/7", error.Message);
    }

    [Fact]
    public void StorageSmallerThanItsElementCountIsRefused()
    {
        string path = folder.File("short_storage.pt");
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Unicode("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]).SetItem().Stop();
        TestArchives.WriteAligned(path, [("m/data.pkl", pickle.ToArray()), ("m/data/0", Floats(1, 2))]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains("m/data/0 has 8 bytes", error.Message);
    }

    [Fact]
    public void ViewReachingOutsideItsStorageIsRefused()
    {
        string path = folder.File("out_of_bounds.pt");
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Unicode("w").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).SetItem().Stop();
        TestArchives.WriteAligned(path, [("m/data.pkl", pickle.ToArray()), ("m/data/0", Floats(1, 2, 3, 4))]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("reach element 5, but the storage has 4", error.Message);
    }

    [Fact]
    public void BigEndianCheckpointIsRefused()
    {
        string path = folder.File("big.pt");
        var pickle = new PickleBuilder().Proto(2).EmptyDict().Unicode("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).SetItem().Stop();
        TestArchives.WriteAligned(path, [("m/data.pkl", pickle.ToArray()), ("m/byteorder", "big"u8.ToArray()), ("m/data/0", Floats(1))]);
        var error = Assert.Throws<ClipNetException>(() => StateDictReader.Read(path));
        Assert.Contains("'big'-endian", error.Message);
    }
}
