using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ClipNet.Checkpoints;

/// <summary>One member of a zip archive: where its data starts in the file and how it is stored.</summary>
sealed record ZipMember(string Name, ushort Method, long CompressedSize, long Size, long DataOffset)
{
    public const ushort Stored = 0, Deflated = 8;
}

/// <summary>
/// The central directory of a zip archive (ZIP64 included), read by hand rather than with
/// System.IO.Compression because loading must know where each stored member's bytes lie in the file:
/// PyTorch writes tensor storages uncompressed and 64-byte aligned precisely so that they can be
/// memory-mapped in place.
/// </summary>
sealed class ZipDirectory
{
    const uint EndOfDirectorySignature = 0x06054b50, Zip64LocatorSignature = 0x07064b50,
        Zip64EndSignature = 0x06064b50, DirectoryEntrySignature = 0x02014b50, LocalHeaderSignature = 0x04034b50;
    const int EndOfDirectorySize = 22, MaxCommentSize = 0xFFFF;

    public string Path { get; }
    public long FileLength { get; }
    public IReadOnlyList<ZipMember> Members { get; }
    readonly Dictionary<string, ZipMember> byName;

    ZipDirectory(string path, long fileLength, List<ZipMember> members)
    {
        Path = path; FileLength = fileLength; Members = members;
        byName = new Dictionary<string, ZipMember>(StringComparer.Ordinal);
        foreach (var m in members) byName.TryAdd(m.Name, m);
    }

    public ZipMember? Find(string name) => byName.GetValueOrDefault(name);

    public static bool LooksLikeZip(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && BinaryPrimitives.ReadUInt32LittleEndian(magic) == LocalHeaderSignature;
    }

    public static ZipDirectory Read(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Read(path, stream);
        }
        catch (EndOfStreamException) { throw Corrupt(path, "the file ends inside a zip record (truncated?)"); }
        catch (IOException e) { throw new ClipNetException($"{path}: cannot read zip archive ({e.Message})", e); }
    }

    static ZipDirectory Read(string path, FileStream stream)
    {
        long length = stream.Length;
        if (length < EndOfDirectorySize) throw Corrupt(path, $"only {length} bytes, too short for a zip archive");

        int tailLength = (int)Math.Min(length, EndOfDirectorySize + MaxCommentSize);
        var tail = ReadAt(stream, length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - EndOfDirectorySize; i >= 0; i--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfDirectorySignature) { eocd = i; break; }
        if (eocd < 0) throw Corrupt(path, "no end-of-central-directory record (not a zip archive, or truncated)");
        var end = tail.AsSpan(eocd);
        long entryCount = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
        if (BinaryPrimitives.ReadUInt16LittleEndian(end[4..]) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(end[6..]) != 0)
            throw Corrupt(path, "multi-volume zip archives are not supported");

        long eocdPosition = length - tailLength + eocd;
        if (entryCount == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
            (entryCount, directorySize, directoryOffset) = ReadZip64End(path, stream, eocdPosition);
        if (directoryOffset < 0 || directorySize < 0 || directoryOffset + directorySize > eocdPosition)
            throw Corrupt(path, "the central directory lies outside the file (truncated?)");
        if (directorySize > int.MaxValue) throw Corrupt(path, "the central directory is implausibly large");

        var directory = ReadAt(stream, directoryOffset, (int)directorySize);
        var members = new List<ZipMember>();
        int position = 0;
        for (long n = 0; n < entryCount; n++)
            members.Add(ReadEntry(path, stream, directory, ref position, length));
        return new ZipDirectory(path, length, members);
    }

    static (long Count, long Size, long Offset) ReadZip64End(string path, FileStream stream, long eocdPosition)
    {
        if (eocdPosition < 20) throw Corrupt(path, "ZIP64 locator missing");
        var locator = ReadAt(stream, eocdPosition - 20, 20);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature) throw Corrupt(path, "ZIP64 locator missing");
        long recordOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8));
        if (recordOffset < 0 || recordOffset + 56 > eocdPosition) throw Corrupt(path, "ZIP64 end record lies outside the file");
        var record = ReadAt(stream, recordOffset, 56);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature) throw Corrupt(path, "bad ZIP64 end record");
        return ((long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)));
    }

    static ZipMember ReadEntry(string path, FileStream stream, byte[] directory, ref int position, long fileLength)
    {
        if (position + 46 > directory.Length) throw Corrupt(path, "the central directory is truncated");
        var entry = directory.AsSpan(position);
        if (BinaryPrimitives.ReadUInt32LittleEndian(entry) != DirectoryEntrySignature) throw Corrupt(path, "bad central directory entry");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]);
        ushort method = BinaryPrimitives.ReadUInt16LittleEndian(entry[10..]);
        long compressed = BinaryPrimitives.ReadUInt32LittleEndian(entry[20..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(entry[24..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[28..]);
        int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[30..]);
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[32..]);
        long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry[42..]);
        int recordLength = 46 + nameLength + extraLength + commentLength;
        if (position + recordLength > directory.Length) throw Corrupt(path, "the central directory is truncated");
        string name = Encoding.UTF8.GetString(entry.Slice(46, nameLength));
        ReadZip64Extra(entry.Slice(46 + nameLength, extraLength), ref size, ref compressed, ref localOffset);
        position += recordLength;

        if ((flags & 1) != 0) throw Corrupt(path, $"member '{name}' is encrypted");
        if (localOffset < 0 || localOffset + 30 > fileLength) throw Corrupt(path, $"member '{name}' lies outside the file (truncated?)");
        var local = ReadAt(stream, localOffset, 30);
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalHeaderSignature) throw Corrupt(path, $"member '{name}' has no local header");
        long dataOffset = localOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        if (compressed < 0 || size < 0 || dataOffset + compressed > fileLength)
            throw Corrupt(path, $"member '{name}' runs past the end of the file (truncated?)");
        if (method == ZipMember.Stored && compressed != size) throw Corrupt(path, $"stored member '{name}' has inconsistent sizes");
        return new ZipMember(name, method, compressed, size, dataOffset);
    }

    static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long localOffset)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]), extra.Length - 4);
            var body = extra.Slice(4, length);
            if (id == 1)
            {
                // Only the fields whose 32-bit slot overflowed are present, in this order.
                if (size == 0xFFFFFFFF && body.Length >= 8) { size = (long)BinaryPrimitives.ReadUInt64LittleEndian(body); body = body[8..]; }
                if (compressed == 0xFFFFFFFF && body.Length >= 8) { compressed = (long)BinaryPrimitives.ReadUInt64LittleEndian(body); body = body[8..]; }
                if (localOffset == 0xFFFFFFFF && body.Length >= 8) localOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(body);
            }
            extra = extra[(4 + length)..];
        }
    }

    // Deflate cannot expand data by more than about 1032:1; a member that claims more lies about its size.
    const long MaxDeflateRatio = 1032;

    /// <summary>
    /// The member's uncompressed bytes, refused before anything is allocated or inflated when the member
    /// declares more than <paramref name="maxBytes"/> (what the caller can use: a pickle's limit, a storage's
    /// exact size) or more than its compressed bytes can inflate to.
    /// </summary>
    public byte[] ReadAll(ZipMember member, long maxBytes)
    {
        if (member.Size > maxBytes || member.Size > Array.MaxLength)
            throw Corrupt(Path, $"member '{member.Name}' declares {member.Size} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} it can need");
        if (member.Method == ZipMember.Deflated && member.Size > checked(member.CompressedSize * MaxDeflateRatio + 1024))
            throw Corrupt(Path, $"member '{member.Name}' declares {member.Size} bytes from {member.CompressedSize} compressed ones, more than deflate can produce");
        try
        {
            using var stream = File.OpenRead(Path);
            switch (member.Method)
            {
                case ZipMember.Stored:
                    return ReadAt(stream, member.DataOffset, (int)member.Size);
                case ZipMember.Deflated:
                {
                    stream.Seek(member.DataOffset, SeekOrigin.Begin);
                    using var inflater = new DeflateStream(stream, CompressionMode.Decompress);
                    var data = new byte[member.Size];
                    inflater.ReadExactly(data);
                    return data;
                }
                default:
                    throw Corrupt(Path, $"member '{member.Name}' uses unsupported compression method {member.Method}");
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw Corrupt(Path, $"member '{member.Name}' cannot be decompressed ({e.Message})");
        }
    }

    static byte[] ReadAt(FileStream stream, long offset, int count)
    {
        var buffer = new byte[count];
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        return buffer;
    }

    static ClipNetException Corrupt(string path, string problem) => new($"{path}: corrupt zip archive: {problem}");
}
