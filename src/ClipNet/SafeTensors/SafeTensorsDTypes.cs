using static TorchSharp.torch;

namespace ClipNet.SafeTensors;

/// <summary>
/// The safetensors element types ClipNet reads and writes: the header spelling, the TorchSharp type and
/// the byte size of one element.
/// </summary>
public static class SafeTensorsDTypes
{
    // Listed in the order of the Rust `safetensors::Dtype` enum, which the Python library uses to lay out
    // the data section: its writer sorts tensors by this enum, highest first, then by name. That puts
    // I64 before F64 and F32 before I32 even though they have the same size.
    static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("BOOL", ScalarType.Bool, 1),
        ("U8", ScalarType.Byte, 1),
        ("I8", ScalarType.Int8, 1),
        ("I16", ScalarType.Int16, 2),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I32", ScalarType.Int32, 4),
        ("F32", ScalarType.Float32, 4),
        ("F64", ScalarType.Float64, 8),
        ("I64", ScalarType.Int64, 8),
    ];

    public static IEnumerable<string> Names => Table.Select(t => t.Name);

    public static bool IsKnown(string name) => Array.Exists(Table, t => t.Name == name);

    public static ScalarType TorchType(string name) => Find(name).Type;

    public static int ElementSize(string name) => Find(name).Size;

    /// <summary>The header spelling of a TorchSharp element type, or null when safetensors has none for it.</summary>
    public static string? NameOf(ScalarType type)
    {
        int i = Array.FindIndex(Table, t => t.Type == type);
        return i < 0 ? null : Table[i].Name;
    }

    /// <summary>Position in the Python library's layout order: a higher rank is written first.</summary>
    public static int LayoutRank(string name) => Array.FindIndex(Table, t => t.Name == name);

    static (string Name, ScalarType Type, int Size) Find(string name)
    {
        int i = Array.FindIndex(Table, t => t.Name == name);
        return i >= 0 ? Table[i] : throw new ArgumentException($"unknown safetensors dtype '{name}'", nameof(name));
    }
}
