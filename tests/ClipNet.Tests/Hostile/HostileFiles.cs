using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using ClipNet.Tests.Checkpoints;

namespace ClipNet.Tests.Hostile;

/// <summary>
/// Builds the hostile and careless inputs of the corpus from code: pickles and zip archives byte by byte,
/// PNGs that declare more pixels than they carry, safetensors files with shifted headers, configs with
/// values no model has. Nothing large is committed; each file is made small and fast in a temp folder.
/// </summary>
static class HostileFiles
{
    public static readonly string VitFolder = SharedFixtures.Fixture("models", "vit");
    public static readonly string VitWeights = Path.Combine(VitFolder, "weights_openai.safetensors");
    public static readonly string Photo = SharedFixtures.Fixture("preprocess", "images", "rgb_640x480.jpg");

    /// <summary>A PyTorch zip checkpoint (`archive/data.pkl` and one 16-byte storage) around <paramref name="pickle"/>.</summary>
    public static string Checkpoint(string folder, string name, byte[] pickle, bool torchScript = false)
    {
        string path = Path.Combine(folder, name);
        var members = new List<(string, byte[])> { ("archive/data.pkl", pickle), ("archive/data/0", new byte[16]) };
        if (torchScript) members.Add(("archive/constants.pkl", new PickleBuilder().Proto(2).EmptyTuple().Stop().ToArray()));
        TestArchives.WriteAligned(path, members);
        return path;
    }

    /// <summary>A state dict {key: tensor} whose key is built by <paramref name="key"/> (so it can be anything a pickle can make).</summary>
    public static byte[] StateDictWithKey(Action<PickleBuilder> key)
    {
        var pickle = new PickleBuilder().Proto(2).EmptyDict();
        key(pickle);
        return pickle.Tensor("FloatStorage", "0", 4, 0, [4], [1]).SetItem().Stop().ToArray();
    }

    /// <summary>(((...()...),),): a tuple nested <paramref name="depth"/> deep, 1 byte per level.</summary>
    public static void NestedTuple(PickleBuilder pickle, int depth)
    {
        pickle.EmptyTuple();
        for (int i = 0; i < depth; i++) pickle.Tuple1();
    }

    /// <summary>t = (t, t) <paramref name="levels"/> times: a DAG of shared references whose naive hash takes 2^levels steps.</summary>
    public static void TupleDag(PickleBuilder pickle, int levels)
    {
        pickle.EmptyTuple();
        for (int i = 0; i < levels; i++) pickle.Dup().Tuple2();
    }

    /// <summary>A TorchScript module tree <paramref name="depth"/> modules deep: m.m.m...m.weight.</summary>
    public static byte[] DeepScriptModules(int depth)
    {
        var pickle = new PickleBuilder().Proto(2);
        for (int i = 0; i < depth; i++)
            pickle.Global("__torch__", "M").EmptyTuple().NewObj().EmptyDict().ShortUnicode("m");
        pickle.Global("__torch__", "M").EmptyTuple().NewObj().EmptyDict()
            .ShortUnicode("weight").Tensor("FloatStorage", "0", 4, 0, [4], [1]).SetItem().Build();
        for (int i = 0; i < depth; i++) pickle.SetItem().Build();
        return pickle.Stop().ToArray();
    }

    /// <summary>A zip whose <paramref name="memberName"/> is deflated and whose directories claim <paramref name="declaredSize"/> bytes.</summary>
    public static string ZipDeclaring(string folder, string name, string memberName, byte[] content, long declaredSize, params (string, byte[])[] others)
    {
        string path = Path.Combine(folder, name);
        TestArchives.WriteDeflated(path, [(memberName, content), .. others]);
        var bytes = File.ReadAllBytes(path);
        var nameBytes = Encoding.UTF8.GetBytes(memberName);
        // Patch the uncompressed size in the local header (offset 22) and the central directory entry (offset 24).
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            if (signature == 0x04034b50 && bytes.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes))
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 22), (uint)declaredSize);
            if (signature == 0x02014b50 && bytes.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes))
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), (uint)declaredSize);
        }
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// A real grayscale PNG of <paramref name="width"/> × <paramref name="height"/> black pixels: every row is
    /// deflated, so a 20000 × 20000 image is about 400 KB on disk and 400 MB (1.6 GB as RGBA) decoded.
    /// </summary>
    public static string BlackPng(string folder, string name, int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[width + 1];   // filter byte 0, then zeros
            for (int y = 0; y < height; y++) zlib.Write(row);
        }
        return PngFile(folder, name, width, height, idat.ToArray());
    }

    /// <summary>A PNG whose header declares the dimensions and whose pixel data is a few bytes (a lie the header check must catch).</summary>
    public static string PngDeclaring(string folder, string name, uint width, uint height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(new byte[64]);
        return PngFile(folder, name, width, height, idat.ToArray());
    }

    static string PngFile(string folder, string name, long width, long height, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8; header[9] = 0;   // 8-bit grayscale
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", idat);
        Chunk(png, "IEND", []);
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, png.ToArray());
        return path;
    }

    static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, TestArchives.Crc32(typed));
        png.Write(crc);
    }

    /// <summary>The ViT fixture's weights in a folder of their own, with <paramref name="files"/> (name → content) beside them.</summary>
    public static string ModelFolder(string folder, string name, IReadOnlyDictionary<string, string> files, string weightsName = "weights.safetensors", string? weightsSource = null)
    {
        string dir = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        File.CreateSymbolicLink(Path.Combine(dir, weightsName), weightsSource ?? VitWeights);
        foreach (var (file, content) in files) File.WriteAllText(Path.Combine(dir, file), content);
        return Path.Combine(dir, weightsName);
    }

    /// <summary>The ViT fixture's OpenCLIP config with one field of one section changed (null removes nothing: it sets JSON null).</summary>
    public static string OpenClipConfig(string section, string key, JsonNode? value)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(VitFolder, "open_clip_config.json")))!.AsObject();
        var target = section.Length == 0 ? config : config[section]!.AsObject();
        target[key] = value;
        return config.ToJsonString();
    }

    /// <summary>The ViT fixture's Hugging Face config with one field changed.</summary>
    public static string HuggingFaceConfig(string section, string key, JsonNode? value)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(VitFolder, "hf", "config.json")))!.AsObject();
        var target = section.Length == 0 ? config : config[section]!.AsObject();
        target[key] = value;
        return config.ToJsonString();
    }

    /// <summary>A copy of a safetensors file with its 8-byte header length changed by <paramref name="delta"/>.</summary>
    public static string ShiftedHeader(string folder, string name, string source, int delta)
    {
        var bytes = File.ReadAllBytes(source);
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)((long)length + delta));
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A copy of a safetensors file whose tensor <paramref name="tensor"/> is all NaN.</summary>
    public static string WithNaNTensor(string folder, string name, string source, string tensor)
    {
        var bytes = File.ReadAllBytes(source);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!;
        var offsets = header[tensor]!["data_offsets"]!.AsArray();
        long begin = 8 + headerLength + (long)offsets[0]!, end = 8 + headerLength + (long)offsets[1]!;
        for (long i = begin; i < end; i += 4) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)i), float.NaN);
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
