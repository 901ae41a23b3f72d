using System.Text.Json.Nodes;
using ClipNet.Checkpoints;
using ClipNet.SafeTensors;
using ClipNet.Tests.Checkpoints;
using ClipNet.Tests.Cli;
using ClipNet.Tests.Evaluation;
using Xunit;

namespace ClipNet.Tests.Interchange;

/// <summary>
/// open_clip's training checkpoints come back to ClipNet: `epoch_N.pt` as open_clip_train/main.py saves it
/// under DistributedDataParallel — torch.save of {"epoch", "name", "state_dict" (keys prefixed `module.`),
/// "optimizer" (AdamW state and param groups)} — loads through the restricted unpickler for evaluation and
/// for fine-tuning (`clip train --init` reads models with the same loader).
/// </summary>
public class OpenClipCheckpointTests
{
    static readonly string FixtureFolder = SharedFixtures.Fixture("models", "vit");

    /// <summary>
    /// Writes the fixture ViT's weights as a DDP epoch checkpoint, in torch.save's zip layout: `epoch_3/data.pkl`
    /// (pickle protocol 2; every tensor a `_rebuild_tensor_v2` of a persistent storage id), `byteorder`,
    /// `data/&lt;key&gt;` per storage, `version`, stored and 64-byte aligned as PyTorch writes them, in
    /// `checkpoints/` as open_clip_train lays out a run; with the fixture's open_clip_config.json beside it when <paramref name="configBeside"/>.
    /// </summary>
    internal static string WriteEpochCheckpoint(TempFolder folder, bool configBeside = true)
    {
        using var weights = SafeTensorsFile.Open(EvaluationData.Vit);
        var names = weights.Tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var members = new List<(string Name, byte[] Data)>();
        var p = new PickleBuilder().Proto(2).EmptyDict().BinPut(0).Mark();
        p.Unicode("epoch").Int(3);
        p.Unicode("name").Unicode("2026_12_01-clipnet-continued");
        p.Unicode("state_dict").Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        for (int k = 0; k < names.Count; k++)
        {
            var info = weights.Info(names[k]);
            Assert.Equal("F32", info.DType);
            p.Unicode("module." + names[k]).Tensor("FloatStorage", k.ToString(), info.ElementCount, 0, info.Shape, ContiguousStrides(info.Shape));
            members.Add(($"epoch_3/data/{k}", weights.ReadBytes(names[k])));
        }
        p.SetItems();
        // AdamW's state for the first two parameters (the rest are alike), and one param group as torch writes it.
        p.Unicode("optimizer").EmptyDict().Unicode("state").EmptyDict();
        for (int k = 0; k < 2; k++)
        {
            var info = weights.Info(names[k]);
            int key = names.Count + 3 * k;
            p.Int(k).EmptyDict().Mark()
                .Unicode("step").Tensor("FloatStorage", key.ToString(), 1, 0, [], [])
                .Unicode("exp_avg").Tensor("FloatStorage", (key + 1).ToString(), info.ElementCount, 0, info.Shape, ContiguousStrides(info.Shape))
                .Unicode("exp_avg_sq").Tensor("FloatStorage", (key + 2).ToString(), info.ElementCount, 0, info.Shape, ContiguousStrides(info.Shape))
                .SetItems().SetItem();
            members.Add(($"epoch_3/data/{key}", BitConverter.GetBytes(1200f)));
            members.Add(($"epoch_3/data/{key + 1}", new byte[info.ByteCount]));
            members.Add(($"epoch_3/data/{key + 2}", new byte[info.ByteCount]));
        }
        p.SetItem();
        p.Unicode("param_groups").EmptyList().EmptyDict().Mark()
            .Unicode("lr").Float(5e-4).Unicode("betas").Float(0.9).Float(0.98).Tuple2().Unicode("eps").Float(1e-6)
            .Unicode("weight_decay").Float(0.2).Unicode("amsgrad").Bool(false).Unicode("foreach").None()
            .Unicode("maximize").Bool(false).Unicode("capturable").Bool(false).Unicode("differentiable").Bool(false)
            .Unicode("fused").None().Unicode("params").EmptyList().Int(0).Append().Int(1).Append();
        p.SetItems().Append().SetItem();
        p.SetItem();
        p.SetItems().Stop();

        string checkpoints = Directory.CreateDirectory(folder.File("checkpoints")).FullName;
        string path = Path.Combine(checkpoints, "epoch_3.pt");
        TestArchives.WriteAligned(path,
        [
            ("epoch_3/data.pkl", p.ToArray()),
            ("epoch_3/byteorder", "little"u8.ToArray()),
            .. members,
            ("epoch_3/version", "3\n"u8.ToArray()),
        ]);
        // open_clip keeps the architecture apart (model_configs/<name>.json); ClipNet reads it from the config beside the checkpoint.
        if (configBeside) File.Copy(Path.Combine(FixtureFolder, "open_clip_config.json"), Path.Combine(checkpoints, "open_clip_config.json"));
        return path;
    }

    static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }

    [Fact]
    public void DdpEpochCheckpointGivesTheModelItWasSavedFrom()
    {
        using var folder = new TempFolder();
        string path = WriteEpochCheckpoint(folder);

        using (var stateDict = StateDictReader.Read(path))
        {
            Assert.Equal(StateDictFormat.PyTorchZip, stateDict.Format);
            using var weights = SafeTensorsFile.Open(EvaluationData.Vit);
            Assert.Equal(weights.Tensors.Keys.Order(), stateDict.Keys.Order());   // `module.` gone, optimizer left out
            Assert.Equal("3", stateDict.Metadata["epoch"]);
            Assert.Equal("2026_12_01-clipnet-continued", stateDict.Metadata["name"]);
        }

        using var fromEpoch = Clip.Load(path);
        using var original = EvaluationData.LoadVit();
        var reference = original.Model.state_dict();
        foreach (var (name, tensor) in fromEpoch.Model.state_dict())
            Assert.True(EvaluationData.Identical(reference[name], tensor), name);
        string image = SharedFixtures.Fixture("preprocess", "images", "rgb_640x480.jpg");
        Assert.True(EvaluationData.Identical(original.EncodeImages([image]), fromEpoch.EncodeImages([image])));
        Assert.True(EvaluationData.Identical(original.EncodeTexts(["a photo of a cat"]), fromEpoch.EncodeTexts(["a photo of a cat"])));
    }

    [Fact]
    public void ZeroShotEvaluationOfTheEpochCheckpointMatchesTheOriginal()
    {
        using var folder = new TempFolder();
        string path = WriteEpochCheckpoint(folder);
        string[] Evaluate(string model, string output) =>
            ["eval", "zero-shot", "--model", model, "--data", EvaluationData.Cifar, "--prompts", EvaluationData.Prompts,
             "--dataset", "cifar10", "--limit", "100", "--out", folder.File(output), "--cache-dir", folder.File($"cache-{output}")];

        var fromEpoch = ClipProcess.Run(Evaluate(path, "epoch"));
        EvaluationCliTests.AssertSuccess(fromEpoch);
        var original = ClipProcess.Run(Evaluate(EvaluationData.Vit, "original"));
        EvaluationCliTests.AssertSuccess(original);
        var a = JsonNode.Parse(File.ReadAllText(folder.File("epoch/zero-shot.json")))!;
        var b = JsonNode.Parse(File.ReadAllText(folder.File("original/zero-shot.json")))!;
        Assert.Equal(100, (int)a["samples"]!);
        Assert.Equal((double)b["top1"]!, (double)a["top1"]!);
        Assert.Equal(b["confusion_matrix"]!.ToJsonString(), a["confusion_matrix"]!.ToJsonString());
    }
}
