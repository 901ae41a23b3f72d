using System.IO.Compression;
using System.Text;

namespace ClipNet.Tests.Checkpoints;

/// <summary>
/// Writes zip archives for tests. <see cref="WriteAligned"/> mimics PyTorch's writer: every member stored
/// uncompressed with its data padded (through the local header's extra field) to a 64-byte boundary.
/// <see cref="WriteDeflated"/> uses System.IO.Compression, whose members are compressed and unaligned.
/// </summary>
static class TestArchives
{
    const int Alignment = 64;

    public static void WriteAligned(string path, IEnumerable<(string Name, byte[] Data)> members)
    {
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        var directory = new List<(byte[] Name, uint Crc, int Size, long Offset)>();
        foreach (var (name, data) in members)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            long offset = file.Position;
            int padding = (int)((Alignment - (offset + 30 + nameBytes.Length + 4) % Alignment) % Alignment);
            uint crc = Crc32(data);
            writer.Write(0x04034b50u); writer.Write((ushort)20); writer.Write((ushort)0); writer.Write((ushort)0);
            writer.Write((ushort)0); writer.Write((ushort)0); writer.Write(crc); writer.Write(data.Length); writer.Write(data.Length);
            writer.Write((ushort)nameBytes.Length); writer.Write((ushort)(4 + padding));
            writer.Write(nameBytes);
            writer.Write((ushort)0x4346); writer.Write((ushort)padding); writer.Write(new byte[padding]); // PyTorch's "FB" padding field
            writer.Write(data);
            directory.Add((nameBytes, crc, data.Length, offset));
        }
        long directoryStart = file.Position;
        foreach (var (name, crc, size, offset) in directory)
        {
            writer.Write(0x02014b50u); writer.Write((ushort)20); writer.Write((ushort)20); writer.Write((ushort)0); writer.Write((ushort)0);
            writer.Write((ushort)0); writer.Write((ushort)0); writer.Write(crc); writer.Write(size); writer.Write(size);
            writer.Write((ushort)name.Length); writer.Write((ushort)0); writer.Write((ushort)0); writer.Write((ushort)0);
            writer.Write((ushort)0); writer.Write(0u); writer.Write((uint)offset);
            writer.Write(name);
        }
        long directorySize = file.Position - directoryStart;
        writer.Write(0x06054b50u); writer.Write((ushort)0); writer.Write((ushort)0);
        writer.Write((ushort)directory.Count); writer.Write((ushort)directory.Count);
        writer.Write((uint)directorySize); writer.Write((uint)directoryStart); writer.Write((ushort)0);
    }

    public static void WriteDeflated(string path, IEnumerable<(string Name, byte[] Data)> members)
    {
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, data) in members)
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
            stream.Write(data);
        }
    }

    public static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
