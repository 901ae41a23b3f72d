using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using ClipNet.Tests.Checkpoints;
using Xunit;
using static ClipNet.Tests.Hostile.HostileFiles;

namespace ClipNet.Tests.Hostile;

/// <summary>
/// Hostile and careless inputs, class by class (issue 13), each run through the real `clip` executable. A
/// refused input must end with exit code 1 and exactly one `error:` line that names the input (and what is
/// wrong with it); an accepted one with exit code 0. Every case must finish within <see cref="TimeBound"/>
/// and <see cref="MemoryBound"/> of peak resident memory (a bare `clip info` of the test model takes about a
/// third of it), measured on the child process, so a hang or a blow-up fails the case rather than the machine.
/// </summary>
public class HostileCorpusTests : IDisposable
{
    static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(20);
    const long MemoryBound = 1L << 30;

    readonly TempFolder temp = new();
    public void Dispose() => temp.Dispose();

    /// <summary>What a case runs and expects: <paramref name="Mentions"/> must appear in the error line (refused) or on stdout (accepted).</summary>
    public sealed record Invocation(string[] Args, bool Accepted, string[] Mentions, Dictionary<string, string>? Environment = null);

    static Invocation Refused(string[] args, params string[] mentions) => new(args, false, mentions);
    static Invocation Accepted(string[] args, params string[] mentions) => new(args, true, mentions);
    static string[] Info(string model) => ["info", model];
    static string[] Embed(string model, string output, string? image = null, string? text = null) =>
        [.. new[] { "embed", "--model", model, "--out", output }, .. image is null ? [] : new[] { "--image", image }, .. text is null ? [] : new[] { "--text", text }];

    static readonly byte[] TensorPickle = new PickleBuilder().Proto(2).EmptyDict().ShortUnicode("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]).SetItem().Stop().ToArray();

    static readonly Dictionary<string, Func<string, Invocation>> Cases = new()
    {
        // 1. Crashes and hangs from small files.
        ["crash: tuple nested 100000 deep as a dict key"] = dir =>
            Refused(Info(Checkpoint(dir, "nested.pt", StateDictWithKey(p => NestedTuple(p, 100_000)))), "nested.pt", "dict key", "tuple"),
        ["crash: tuple nested 3 deep as a dict key"] = dir =>
            Refused(Info(Checkpoint(dir, "shallow.pt", StateDictWithKey(p => NestedTuple(p, 3)))), "shallow.pt", "dict key"),
        ["hang: hash bomb, a DAG of shared tuples as a dict key"] = dir =>
            Refused(Info(Checkpoint(dir, "bomb.pt", StateDictWithKey(p => TupleDag(p, 64)))), "bomb.pt", "dict key"),
        ["hang: hash bomb as an OrderedDict key"] = dir =>
        {
            var pickle = new PickleBuilder().Proto(2).Global("collections", "OrderedDict").EmptyList().Mark();
            TupleDag(pickle, 64);
            pickle.Int(1).Tuple().Append().Tuple1().Reduce().Stop();
            return Refused(Info(Checkpoint(dir, "ordered.pt", pickle.ToArray())), "ordered.pt", "dict key");
        },
        ["crash: TorchScript modules nested 20000 deep"] = dir =>
            Refused(Info(Checkpoint(dir, "deep.pt", DeepScriptModules(20_000), torchScript: true)), "deep.pt", "nested more than"),
        ["crash: 200000 nested MARKs"] = dir =>
        {
            var pickle = new PickleBuilder().Proto(2);
            for (int i = 0; i < 200_000; i++) pickle.Mark();
            return Refused(Info(Checkpoint(dir, "marks.pt", pickle.Stop().ToArray())), "marks.pt", "MARK");
        },
        ["crash: lists nested 100000 deep as a value"] = dir =>
        {
            var pickle = new PickleBuilder().Proto(2).EmptyDict().ShortUnicode("x");
            for (int i = 0; i < 100_000; i++) pickle.EmptyList();
            for (int i = 1; i < 100_000; i++) pickle.Append();
            return Refused(Info(Checkpoint(dir, "lists.pt", pickle.SetItem().Stop().ToArray())), "lists.pt", "no tensors");
        },
        ["hang: a text int of a million digits"] = dir =>
            Refused(Info(Checkpoint(dir, "digits.pt", [.. "I"u8, .. Encoding.ASCII.GetBytes(new string('7', 1_000_000)), .. "\n."u8])), "digits.pt", "digits"),

        // 2. Memory blow-ups from small files.
        ["memory: a 400 KB PNG of 20000 x 20000 pixels"] = dir =>
            Refused(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), image: BlackPng(dir, "bomb.png", 20_000, 20_000)), "bomb.png", "pixels", "CLIPNET_MAX_IMAGE_PIXELS"),
        ["memory: a PNG header declaring 100000 x 100000 pixels"] = dir =>
            Refused(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), image: PngDeclaring(dir, "liar.png", 100_000, 100_000)), "liar.png"),
        ["memory: PNG dimensions that overflow, with the pixel limit off"] = dir =>
            Refused(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), image: PngDeclaring(dir, "huge.png", int.MaxValue, int.MaxValue)), "huge.png")
                with { Environment = new() { ["CLIPNET_MAX_IMAGE_PIXELS"] = "0" } },
        ["memory: the pixel limit lowered refuses an ordinary photo"] = dir =>
            Refused(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), image: Photo), "rgb_640x480.jpg", "1000")
                with { Environment = new() { ["CLIPNET_MAX_IMAGE_PIXELS"] = "1000" } },
        ["memory: the pixel limit raised still embeds the photo"] = dir =>
            Accepted(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), image: Photo), "wrote")
                with { Environment = new() { ["CLIPNET_MAX_IMAGE_PIXELS"] = "400000000" } },
        ["memory: a zip whose data.pkl declares 2 GB"] = dir =>
            Refused(Info(ZipDeclaring(dir, "claims.pt", "archive/data.pkl", TensorPickle, 2_000_000_000, ("archive/data/0", new byte[16]))), "claims.pt", "archive/data.pkl", "declares"),
        ["memory: a deflated storage declaring 1.9 GB for 16 bytes of tensor"] = dir =>
            Refused(Info(ZipDeclaring(dir, "storage.pt", "archive/data/0", new byte[16], 1_900_000_000, ("archive/data.pkl", TensorPickle))), "storage.pt", "archive/data/0", "declares"),
        ["memory: a data.pkl that really inflates to 300 MB"] = dir =>
        {
            string path = Path.Combine(dir, "inflates.pt");
            TestArchives.WriteDeflated(path, [("archive/data.pkl", new byte[300_000_000]), ("archive/data/0", new byte[16])]);
            return Refused(Info(path), "inflates.pt", "archive/data.pkl");
        },
        ["memory: a storage of 2^40 elements in a 16-byte member"] = dir =>
            Refused(Info(Checkpoint(dir, "count.pt", new PickleBuilder().Proto(2).EmptyDict().ShortUnicode("w")
                .Tensor("FloatStorage", "0", 1L << 40, 0, [4], [1]).SetItem().Stop().ToArray())), "count.pt", "storage"),
        ["memory: torch.device called to double a string"] = dir =>
        {
            var pickle = new PickleBuilder().Proto(2).EmptyDict().ShortUnicode("d").Global("torch", "device").Unicode(new string('x', 1000));
            pickle.BinPut(0).BinGet(0).Tuple2().Reduce().SetItem().Stop();
            return Refused(Info(Checkpoint(dir, "device.pt", pickle.ToArray())), "device.pt", "torch.device");
        },
        ["memory: 10^9 text layers in open_clip_config.json"] = dir =>
            Refused(Info(ModelFolder(dir, "layers", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "layers", 1_000_000_000) })), "open_clip_config.json", "text layers"),
        ["memory: a vocabulary of 5 x 10^7 in open_clip_config.json"] = dir =>
            Refused(Info(ModelFolder(dir, "vocab", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "vocab_size", 50_000_000) })), "open_clip_config.json", "vocab_size"),
        ["memory: a vision width of 10^6"] = dir =>
            Refused(Info(ModelFolder(dir, "width", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("vision_cfg", "width", 1_000_000) })), "open_clip_config.json", "vision width"),
        ["memory: 10^9 layers in a Hugging Face config.json"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "hflayers", ("text_config", "num_hidden_layers", 1_000_000_000))), "config.json", "text layers"),

        // 3. Silent wrong answers.
        ["silent: a safetensors header one byte short"] = dir =>
            Refused(Info(ShiftedHeader(dir, "short.safetensors", VitWeights, -1)), "short.safetensors"),
        ["silent: a safetensors header one byte long"] = dir =>
            Refused(Info(ShiftedHeader(dir, "long.safetensors", VitWeights, +1)), "long.safetensors"),
        ["silent: bytes after the last tensor"] = dir =>
        {
            string path = Path.Combine(dir, "trailing.safetensors");
            File.WriteAllBytes(path, [.. File.ReadAllBytes(VitWeights), 0, 0, 0, 0]);
            return Refused(Info(path), "trailing.safetensors", "data section");
        },
        ["silent: text heads that do not divide the width"] = dir =>
            Refused(Info(ModelFolder(dir, "heads", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "heads", 3) })), "open_clip_config.json", "heads 3"),
        ["silent: a vision head width that does not divide the width"] = dir =>
            Refused(Info(ModelFolder(dir, "headwidth", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("vision_cfg", "head_width", 48) })), "open_clip_config.json", "head_width 48"),
        ["silent: Hugging Face vision heads that do not divide the width"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "hfheads", ("vision_config", "num_attention_heads", 3))), "config.json", "num_attention_heads 3"),
        ["silent: an end-of-text id the tokenizer never produces"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "eos", ("text_config", "eos_token_id", 12345))), "config.json", "12345"),
        ["silent: an end-of-text id outside the vocabulary"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "eosvocab", ("text_config", "eos_token_id", 60000))), "config.json", "60000"),
        ["silent: Hugging Face weights without config.json"] = dir =>
            Refused(Info(ModelFolder(dir, "noconfig", new Dictionary<string, string>(), "model.safetensors", Path.Combine(VitFolder, "hf", "model.safetensors"))), "model.safetensors", "config.json"),
        ["silent: preprocessor image_std of 0"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "std", preprocessor: """{"size": 32, "crop_size": 32, "image_mean": [0.5, 0.5, 0.5], "image_std": [0, 0, 0]}""")), "preprocessor_config.json", "std"),
        ["silent: an OpenCLIP preprocess std of 0"] = dir =>
            Refused(Info(ModelFolder(dir, "ocstd", new Dictionary<string, string>
            {
                ["open_clip_config.json"] = "{\"model_cfg\": " + File.ReadAllText(Path.Combine(VitFolder, "open_clip_config.json")) +
                    ", \"preprocess_cfg\": {\"mean\": [0.5, 0.5, 0.5], \"std\": [0.2, 0, 0.2]}}",
            })), "open_clip_config.json", "std"),
        ["silent: NaN weights give NaN text embeddings"] = dir =>
            Refused(Embed(WithNaNTensor(dir, "nan.safetensors", VitWeights, "ln_final.weight"), Path.Combine(dir, "out.safetensors"), text: "a photo of a cat"), "a photo of a cat", "NaN"),
        ["silent: NaN weights give NaN image embeddings"] = dir =>
            Refused(Embed(WithNaNTensor(dir, "nanv.safetensors", VitWeights, "visual.ln_post.weight"), Path.Combine(dir, "out.safetensors"), image: Photo), "rgb_640x480.jpg", "NaN"),
        ["silent: a config that disagrees with the weights"] = dir =>
            Refused(Info(ModelFolder(dir, "disagree", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "layers", 3) })), "open_clip_config.json", "weights.safetensors", "text layers 3"),

        // 4. Unclear errors: each becomes one line naming the input.
        ["unclear: non-UTF-8 JSON in a safetensors header"] = dir =>
        {
            var header = (byte[])[.. "{\""u8, 0xFF, 0xFE, .. "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"u8];
            string path = Path.Combine(dir, "latin.safetensors");
            File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0, 0, 0, 0]);
            return Refused(Info(path), "latin.safetensors", "UTF-8");
        },
        ["unclear: zero attention heads"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "zeroheads", ("vision_config", "num_attention_heads", 0))), "config.json", "num_attention_heads 0"),
        ["unclear: null attention heads"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "nullheads", ("text_config", "num_attention_heads", null))), "config.json", "num_attention_heads"),
        ["unclear: null heads in open_clip_config.json"] = dir =>
            Refused(Info(ModelFolder(dir, "ocnull", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "heads", null) })), "open_clip_config.json", "heads"),
        ["unclear: a negative layer count"] = dir =>
            Refused(Info(ModelFolder(dir, "negative", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "layers", -2) })), "open_clip_config.json", "-2"),
        ["unclear: a config value beyond int range"] = dir =>
            Refused(Info(ModelFolder(dir, "bigint", new Dictionary<string, string> { ["open_clip_config.json"] = OpenClipConfig("text_cfg", "vocab_size", 1_000_000_000_000) })), "open_clip_config.json", "vocab_size"),
        ["unclear: token ids beyond int range in vocab.json"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "vocabbig", vocab: """{"<|startoftext|>": 0, "<|endoftext|>": 1000000000000}""")), "vocab.json"),
        ["unclear: a token id of two billion in vocab.json"] = dir =>
            Refused(Info(HuggingFaceFolder(dir, "vocabhuge", vocab: """{"<|startoftext|>": 0, "<|endoftext|>": 2000000000}""")), "vocab.json", "2000000000"),
        ["unclear: a text too long for the context, embedded in parallel"] = dir =>
            Refused(Embed(VitWeights, Path.Combine(dir, "out.safetensors"), text: string.Join(' ', Enumerable.Repeat("word", 200))), "word word", "too long"),
        ["unclear: a dict key beyond 64 bits"] = dir =>
            Refused(Info(Checkpoint(dir, "bigkey.pt", StateDictWithKey(p => p.Int(long.MaxValue).Int(long.MaxValue).Tuple2()))), "bigkey.pt", "dict key"),

        // 5. Careless command lines.
        ["cli: a text starting with @ is text, not a response file"] = _ =>
            Accepted(["tokenize", "@home"], "[49406,"),
        ["cli: --out equal to the model"] = dir =>
        {
            string model = Path.Combine(dir, "model.safetensors");
            File.Copy(VitWeights, model);
            return Refused(["convert", "--model", model, "--to", "openclip", "--out", model], "model.safetensors", "--out", "overwrite");
        },
        ["cli: --out a folder holding the model"] = dir =>
        {
            string model = Path.Combine(dir, "model.safetensors");
            File.Copy(VitWeights, model);
            return Refused(["convert", "--model", model, "--to", "hf", "--out", dir], "--out", "overwrite");
        },
        ["cli: --lr NaN"] = dir => Refused(Train(dir, "--lr", "NaN"), "--lr", "NaN"),
        ["cli: --lr Infinity"] = dir => Refused(Train(dir, "--lr", "Infinity"), "--lr"),
        ["cli: --epochs 0"] = dir => Refused(Train(dir, "--epochs", "0"), "--epochs"),
        ["cli: --batch-size -5"] = dir => Refused(Train(dir, "--batch-size", "-5"), "--batch-size"),
        ["cli: --hold-back 1.5"] = dir => Refused(Train(dir, "--hold-back", "1.5"), "--hold-back"),
        ["cli: train --out over its data"] = dir => Refused(["train", "--data", Path.Combine(dir, "data.tsv"), "--out", dir], "--out", "--data"),
        ["cli: --limit 0"] = dir => Refused(["features", "--model", VitWeights, "--data", Path.Combine(dir, "x"), "--limit", "0"], "--limit"),
        ["cli: an unknown option"] = _ => Refused(["embed", "--bogus"], "--bogus"),
        ["cli: an unknown command"] = _ => Refused(["frobnicate"], "frobnicate"),
        ["cli: a number that is not a number"] = dir => Refused(Train(dir, "--epochs", "many"), "many", "--epochs"),

        // 6. Training data problems, with --strict.
        ["data: --strict refuses a manifest with missing files, empty captions and a folder"] = dir =>
            Refused(Train(dir, "--data", CarelessManifest(dir), "--strict"), "manifest.tsv", "line"),
        ["data: --strict refuses a WebDataset with a directory member"] = dir =>
            Refused(Train(dir, "--data", CarelessShard(dir), "--strict"), "shard.tar", "Directory"),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void EndsAsExpectedWithinBounds(string name)
    {
        var invocation = Cases[name](temp.Path);
        var run = BoundedClipRun.Run(TimeBound, invocation.Environment, invocation.Args);
        string transcript = $"clip {string.Join(' ', invocation.Args.Select(a => a.Length > 80 ? a[..80] + "…" : a))}\nexit {run.ExitCode}, {run.Wall.TotalSeconds:F1} s, peak {run.PeakResidentBytes >> 20} MiB\nstdout: {Tail(run.Output)}\nstderr: {Tail(run.Error)}";

        Assert.False(run.Killed, $"still running after {TimeBound.TotalSeconds} s (a hang)\n{transcript}");
        Assert.True(run.PeakResidentBytes < MemoryBound, $"peak resident memory {run.PeakResidentBytes >> 20} MiB is over {MemoryBound >> 20} MiB\n{transcript}");
        Assert.True(run.PeakResidentBytes > 0, $"no memory measurement\n{transcript}");
        if (invocation.Accepted)
        {
            Assert.True(run.ExitCode == 0, transcript);
            foreach (string mention in invocation.Mentions) Assert.True(run.Output.Contains(mention), $"stdout lacks '{mention}'\n{transcript}");
            return;
        }
        Assert.True(run.ExitCode == 1, transcript);
        var errors = run.ErrorLines.Where(l => !l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && errors[0].StartsWith("error: ", StringComparison.Ordinal), $"expected one error: line\n{transcript}");
        Assert.DoesNotContain("Exception", errors[0]);
        foreach (string mention in invocation.Mentions) Assert.True(errors[0].Contains(mention), $"the error does not mention '{mention}'\n{transcript}");
    }

    /// <summary>The refusal must leave the model it refused to overwrite as it was.</summary>
    [Fact]
    public void RefusedOverwriteLeavesTheModelIntact()
    {
        string model = Path.Combine(temp.Path, "model.safetensors");
        File.Copy(VitWeights, model);
        var run = BoundedClipRun.Run(TimeBound, null, "convert", "--model", model, "--to", "openclip", "--out", model);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal(File.ReadAllBytes(VitWeights), File.ReadAllBytes(model));
    }

    /// <summary>--epochs 0 is refused before anything is written: no run folder appears.</summary>
    [Fact]
    public void RefusedTrainingWritesNothing()
    {
        string[] args = Train(temp.Path, "--epochs", "0");
        var run = BoundedClipRun.Run(TimeBound, null, args);
        Assert.Equal(1, run.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "run")));
    }

    /// <summary>A small `clip train` command line; <paramref name="extra"/> adds options or replaces the defaults it names.</summary>
    static string[] Train(string dir, params string[] extra)
    {
        var defaults = new Dictionary<string, string>
        {
            ["--data"] = SharedFixtures.DataPath("photos-demo", "captions.tsv"), ["--out"] = Path.Combine(dir, "run"),
            ["--arch"] = "quickstart-ViT-32px", ["--epochs"] = "1", ["--batch-size"] = "2", ["--workers"] = "1",
        };
        var args = new List<string> { "train" };
        foreach (var (option, value) in defaults)
            if (!extra.Contains(option)) args.AddRange([option, value]);
        args.AddRange(extra);
        return [.. args];
    }

    /// <summary>A manifest with one good row and one of each careless row: a missing file, an empty caption, a folder as the image.</summary>
    internal static string CarelessManifest(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "a-folder"));
        string path = Path.Combine(dir, "manifest.tsv");
        File.WriteAllText(path, $"image\tcaption\n{Photo}\ta photo\n{Photo}x\ta missing photo\n{Photo}\t \n{Path.Combine(dir, "a-folder")}\ta folder\n");
        return path;
    }

    /// <summary>A WebDataset shard with one good sample and one whose image member is a directory.</summary>
    internal static string CarelessShard(string dir)
    {
        string path = Path.Combine(dir, "shard.tar");
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream);
        writer.WriteEntry(Photo, "good.jpg");
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "good.txt") { DataStream = new MemoryStream("a photo"u8.ToArray()) });
        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "bad.jpg/"));
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bad.txt") { DataStream = new MemoryStream("a directory"u8.ToArray()) });
        return path;
    }

    /// <summary>The ViT fixture's Hugging Face folder with one config field changed, or another preprocessor config or vocabulary.</summary>
    static string HuggingFaceFolder(string dir, string name, (string Section, string Key, JsonNode? Value)? change = null, string? preprocessor = null, string? vocab = null)
    {
        string hf = Path.Combine(VitFolder, "hf");
        var files = new Dictionary<string, string>
        {
            ["config.json"] = change is var (section, key, value) ? HuggingFaceConfig(section, key, value) : File.ReadAllText(Path.Combine(hf, "config.json")),
        };
        if (preprocessor is not null) files["preprocessor_config.json"] = preprocessor;
        if (vocab is not null)
        {
            files["vocab.json"] = vocab;
            files["merges.txt"] = "#version: 0.2\n";
        }
        return ModelFolder(dir, name, files, "model.safetensors", Path.Combine(hf, "model.safetensors"));
    }

    static string Tail(string text) => text.Length > 1500 ? "…" + text[^1500..] : text;
}
