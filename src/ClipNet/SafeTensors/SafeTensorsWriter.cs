using System.Text;
using ClipNet.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.SafeTensors;

/// <summary>
/// Writes safetensors files laid out exactly as the Python `safetensors` library lays them out, so that a
/// file written here and one written by `safetensors.torch.save_file` are byte-identical when the tensors
/// and metadata are: compact JSON header (`__metadata__` first), padded with spaces to a multiple of 8
/// bytes, tensors ordered by the library's dtype order (highest first) and then by name, data contiguous
/// from offset 0.
/// </summary>
public static class SafeTensorsWriter
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // `Tensor.bytes` is a Span, so larger tensors are written in slices of at most this many bytes.
    const long MaxSliceBytes = 1L << 30;

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> through <see cref="AtomicFile"/>, so a crash
    /// never leaves a half-written checkpoint under the real name. Metadata keys are written in ordinal order (the Python
    /// library writes them in hash order, so only single-key metadata is reproducible there).
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = Layout(path, tensors);
        byte[] header = Header(path, entries, metadata);

        AtomicFile.Write(path, stream =>
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            foreach (var entry in entries) WriteData(stream, entry.Tensor);
        });
    }

    sealed record Entry(string Name, byte[] Utf8Name, string DType, long[] Shape, long Bytes, Tensor Tensor);

    static List<Entry> Layout(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var entries = new List<Entry>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (name.Length == 0 || name == "__metadata__")
                throw new ClipNetException($"{path}: cannot write a tensor named '{name}' (reserved or empty name)");
            string dtype = SafeTensorsDTypes.NameOf(tensor.dtype)
                ?? throw new ClipNetException($"{path}: cannot write tensor '{name}': safetensors has no dtype for {tensor.dtype}");
            long bytes = checked(tensor.numel() * SafeTensorsDTypes.ElementSize(dtype));
            entries.Add(new Entry(name, Utf8(path, name), dtype, tensor.shape, bytes, tensor));
        }
        // The Python library's order: dtype (in its enum order) descending, then name as UTF-8 bytes.
        entries.Sort((a, b) =>
        {
            int byType = SafeTensorsDTypes.LayoutRank(b.DType).CompareTo(SafeTensorsDTypes.LayoutRank(a.DType));
            return byType != 0 ? byType : a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name);
        });
        return entries;
    }

    static byte[] Header(string path, List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            json.Append("\"__metadata__\":{");
            bool firstKey = true;
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!firstKey) json.Append(',');
                firstKey = false;
                AppendString(json, key);
                json.Append(':');
                AppendString(json, value);
            }
            json.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var entry in entries)
        {
            if (!first) json.Append(',');
            first = false;
            AppendString(json, entry.Name);
            json.Append(":{\"dtype\":\"").Append(entry.DType).Append("\",\"shape\":[")
                .AppendJoin(',', entry.Shape).Append("],\"data_offsets\":[")
                .Append(offset).Append(',').Append(offset + entry.Bytes).Append("]}");
            offset += entry.Bytes;
        }
        json.Append('}');
        byte[] text = Utf8(path, json.ToString());
        var padded = new byte[text.Length + (8 - text.Length % 8) % 8];
        text.CopyTo(padded, 0);
        padded.AsSpan(text.Length).Fill((byte)' ');
        return padded;
    }

    // serde_json's escaping (what the Python library writes): quote, backslash and control characters
    // only; everything else, non-ASCII included, is written as UTF-8.
    static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2")); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    static byte[] Utf8(string path, string text)
    {
        try { return StrictUtf8.GetBytes(text); }
        catch (EncoderFallbackException) { throw new ClipNetException($"{path}: cannot write '{text}': it is not valid Unicode"); }
    }

    internal static void WriteData(Stream stream, Tensor tensor)
    {
        if (tensor.numel() == 0) return;
        using var scope = torch.NewDisposeScope();
        var flat = tensor.to(CPU).contiguous().reshape(-1);
        long perSlice = Math.Max(1, MaxSliceBytes / flat.element_size());
        for (long start = 0; start < flat.numel(); start += perSlice)
        {
            var slice = flat.narrow(0, start, Math.Min(perSlice, flat.numel() - start));
            stream.Write(slice.bytes);
        }
    }
}
