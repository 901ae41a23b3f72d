using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.SafeTensors;

/// <summary>
/// A safetensors file, memory-mapped: the header is parsed and validated on open, and each tensor is a
/// view of the mapped file rather than a copy. Layout: 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets}}` with optional `__metadata__`, then the raw little-endian data.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    public static readonly IReadOnlyDictionary<string, ScalarType> DTypes =
        SafeTensorsDTypes.Names.ToDictionary(n => n, SafeTensorsDTypes.TorchType);

    public static int ElementSize(string dtype) => SafeTensorsDTypes.ElementSize(dtype);

    // The Python library's limit; a larger header is a corrupt or hostile file, not a big model.
    const long MaxHeaderBytes = 100_000_000;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    readonly long dataStart;
    readonly long fileLength;
    // One mapping of the whole file per element type: TorchSharp has no dtype-reinterpreting view, so each
    // dtype gets its own typed mapping and tensors are slices of it (the OS shares the pages between them).
    readonly Dictionary<ScalarType, Tensor> mappings = new();
    bool disposed;

    SafeTensorsFile(string path, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata, long dataStart, long fileLength)
    {
        Path = path; Tensors = tensors; Metadata = metadata; this.dataStart = dataStart; this.fileLength = fileLength;
    }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        try
        {
            using var stream = File.OpenRead(path);
            long length = stream.Length;
            if (length < 8) throw new ClipNetException($"{path}: not a safetensors file (only {length} bytes; the 8-byte header length is missing)");
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BitConverter.ToUInt64(lengthBytes);
            if (headerLength > MaxHeaderBytes || (long)headerLength > length - 8)
                throw new ClipNetException($"{path}: corrupt safetensors file: the header claims {headerLength} bytes but the file has {length - 8} after the length prefix");
            var headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
            long dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(path, headerBytes, length - dataStart);
            return new SafeTensorsFile(path, tensors, metadata, dataStart, length);
        }
        catch (IOException e) { throw new ClipNetException($"{path}: cannot read safetensors file ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new ClipNetException($"{path}: cannot read safetensors file ({e.Message})", e); }
    }

    static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] headerBytes, long dataLength)
    {
        // System.Text.Json decodes names lazily, so invalid UTF-8 would otherwise surface later as a bare exception.
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw new ClipNetException($"{path}: corrupt safetensors header (not valid UTF-8 JSON)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(headerBytes); }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ClipNetException($"{path}: corrupt safetensors header (not valid JSON: {e.Message})");
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new ClipNetException($"{path}: corrupt safetensors header (expected a JSON object, found {doc.RootElement.ValueKind})");

        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                if (sawMetadata) throw new ClipNetException($"{path}: corrupt safetensors header: '__metadata__' appears twice");
                sawMetadata = true;
                ParseMetadata(path, property.Value, metadata);
                continue;
            }
            // JSON allows repeated keys; a second entry would silently replace the first one's tensor.
            if (tensors.ContainsKey(property.Name))
                throw new ClipNetException($"{path}: corrupt safetensors header: tensor '{property.Name}' is listed twice");
            tensors[property.Name] = ParseEntry(path, property, dataLength);
        }

        CheckCoverage(path, tensors.Values, dataLength);
        return (tensors, metadata);
    }

    /// <summary>
    /// The tensors must tile the data section exactly, as the format requires: no overlap (one tensor aliasing
    /// another), no gap and nothing left over. A header one byte short or long shifts where the data section
    /// starts, so every tensor would be read off by that much; this is what catches it.
    /// </summary>
    static void CheckCoverage(string path, IEnumerable<SafeTensorInfo> tensors, long dataLength)
    {
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin < covered)
                throw new ClipNetException($"{path}: corrupt safetensors header: tensors '{previous!.Name}' (bytes {previous.Begin}..{previous.End}) and '{tensor.Name}' (bytes {tensor.Begin}..{tensor.End}) overlap");
            if (tensor.Begin > covered)
                throw new ClipNetException($"{path}: corrupt safetensors header: bytes {covered}..{tensor.Begin} of the data section, before tensor '{tensor.Name}', belong to no tensor");
            covered = tensor.End;
            previous = tensor;
        }
        if (covered != dataLength)
            throw new ClipNetException($"{path}: corrupt safetensors file: the tensors cover {covered} bytes but the data section after the header has {dataLength} (a wrong header length, or trailing data)");
    }

    static void ParseMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ClipNetException($"{path}: corrupt safetensors header: '__metadata__' must be an object of strings, found {element.ValueKind}");
        foreach (var m in element.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new ClipNetException($"{path}: corrupt safetensors header: metadata value '{m.Name}' must be a string, found {m.Value.ValueKind}");
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    static SafeTensorInfo ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        try
        {
            var e = property.Value;
            if (e.ValueKind != JsonValueKind.Object)
                throw new ClipNetException($"{path}: corrupt safetensors header: the entry for tensor '{name}' is not an object");
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            if (!SafeTensorsDTypes.IsKnown(dtype))
                throw new ClipNetException($"{path}: tensor '{name}' has unsupported dtype '{dtype}' (supported: {string.Join(", ", SafeTensorsDTypes.Names)})");
            long[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (shape.Any(d => d < 0)) throw new ClipNetException($"{path}: tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}]");
            long[] offsets = e.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new ClipNetException($"{path}: tensor '{name}' has invalid data_offsets [{string.Join(", ", offsets)}]");
            if (offsets[1] > dataLength)
                throw new ClipNetException($"{path}: tensor '{name}' points past the end of the file (bytes {offsets[0]}..{offsets[1]} of a {dataLength}-byte data section; the file may be truncated)");
            var info = new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
            long expected = checked(info.ElementCount * SafeTensorsDTypes.ElementSize(dtype));
            if (info.ByteCount != expected)
                throw new ClipNetException($"{path}: tensor '{name}' has {info.ByteCount} bytes but its {dtype} shape [{string.Join(", ", shape)}] needs {expected}");
            return info;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new ClipNetException($"{path}: corrupt safetensors header entry for tensor '{name}' ({e.Message})");
        }
    }

    public SafeTensorInfo Info(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw new ClipNetException($"{Path}: no tensor named '{name}'");

    /// <summary>
    /// The tensor as a view of the memory-mapped file (copy-on-write: writes never reach the file).
    /// Falls back to a copy only when the data is not aligned to the element size.
    /// </summary>
    public Tensor Load(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var info = Info(name);
        var dtype = SafeTensorsDTypes.TorchType(info.DType);
        int elementSize = SafeTensorsDTypes.ElementSize(info.DType);
        long start = dataStart + info.Begin;
        if (info.ElementCount == 0) return torch.zeros(info.Shape, dtype);
        if (start % elementSize != 0)
            return RawTensors.FromBytes(ReadBytes(name), dtype, info.Shape);
        Tensor mapping;
        lock (mappings)
        {
            if (!mappings.TryGetValue(dtype, out mapping!))
                mappings[dtype] = mapping = torch.from_file(Path, shared: false, size: fileLength / elementSize, dtype: dtype);
        }
        return mapping.narrow(0, start / elementSize, info.ElementCount).reshape(info.Shape);
    }

    /// <summary>Reads a tensor's raw bytes (for tests and for converting without TorchSharp).</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        using var stream = File.OpenRead(Path);
        stream.Seek(dataStart + info.Begin, SeekOrigin.Begin);
        var buffer = new byte[info.ByteCount];
        stream.ReadExactly(buffer);
        return buffer;
    }

    public void Dispose()
    {
        lock (mappings)
        {
            foreach (var mapping in mappings.Values) mapping.Dispose();
            mappings.Clear();
            disposed = true;
        }
    }
}

/// <summary>One tensor's entry in a safetensors header: dtype, shape and byte range within the data section.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));
    public long ByteCount => End - Begin;
}
