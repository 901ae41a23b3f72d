using System.Runtime.InteropServices;
using System.Text.Json;
using ClipNet.Checkpoints;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Vision;

/// <summary>The reference images of <c>fixtures/preprocess</c> and their expected tensors (see its README.md and cases.json).</summary>
public static class PreprocessCases
{
    public sealed record Case(string File, string PillowMode, int Width, int Height, int? ExifOrientation,
        int ResizedWidth, int ResizedHeight, string ResizeMode, int CropLeft, int CropTop, string ExpectedKey)
    {
        public string ImagePath => SharedFixtures.Fixture("preprocess", File);
        public override string ToString() => ExpectedKey;
    }

    static readonly Lazy<IReadOnlyList<Case>> all = new(Load);

    public static IReadOnlyList<Case> All => all.Value;

    public static Case Named(string key) => All.Single(c => c.ExpectedKey == key);

    public static TheoryData<string> Keys() => new(All.Select(c => c.ExpectedKey));

    public static string FixturePath(string file) => SharedFixtures.Fixture("preprocess", file);

    public static float[] ReadFloats(string safetensorsFile, string key)
    {
        using var file = SafeTensorsFile.Open(FixturePath(safetensorsFile));
        Assert.Equal("F32", file.Info(key).DType);
        return MemoryMarshal.Cast<byte, float>(file.ReadBytes(key)).ToArray();
    }

    public static (long[] Shape, byte[] Data) ReadBytes(string safetensorsFile, string key)
    {
        using var file = SafeTensorsFile.Open(FixturePath(safetensorsFile));
        Assert.Equal("U8", file.Info(key).DType);
        return (file.Info(key).Shape, file.ReadBytes(key));
    }

    static IReadOnlyList<Case> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(FixturePath("cases.json")));
        return document.RootElement.EnumerateArray().Select(e => new Case(
            e.GetProperty("file").GetString()!,
            e.GetProperty("pil_mode").GetString()!,
            e.GetProperty("size_wh")[0].GetInt32(), e.GetProperty("size_wh")[1].GetInt32(),
            e.GetProperty("exif_orientation").ValueKind == JsonValueKind.Null ? null : e.GetProperty("exif_orientation").GetInt32(),
            e.GetProperty("resized_wh")[0].GetInt32(), e.GetProperty("resized_wh")[1].GetInt32(),
            e.GetProperty("resize_mode_applied").GetString()!,
            e.GetProperty("crop_left_top")[0].GetInt32(), e.GetProperty("crop_left_top")[1].GetInt32(),
            e.GetProperty("expected_key").GetString()!)).ToList();
    }
}
