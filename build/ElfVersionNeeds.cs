// TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which Debian 12's libstdc++ lacks, so the
// first tensor operation fails to load it. Only `_ZSt21ios_base_library_initv` carries that version and
// no relocation refers to it, so marking the version-need entry weak (VER_FLG_WEAK) lets the dynamic
// loader accept the library. This file is compiled both as an MSBuild inline task (the build step, from
// LibTorchSharpGlibcxx.targets in this repository and in the ClipNet package) and
// into the test project (to test the patch itself), hence the CLIPNET_TESTS guard around the task, and
// only APIs of netstandard2.0, which is what the inline task compiles against.
#nullable enable
using System;
using System.IO;
using System.Text;

public static class ElfVersionNeeds
{
    const uint SectionTypeGnuVersionNeeds = 0x6ffffffe;
    const ushort VersionFlagWeak = 0x2;

    /// <summary>True when the file's text mentions the version string, e.g. libstdc++ defining GLIBCXX_3.4.32.</summary>
    public static bool LibraryDefinesVersion(string libraryPath, string version)
    {
        byte[] haystack = File.ReadAllBytes(libraryPath);
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every version-need entry named <paramref name="version"/>.
    /// Returns the number of entries changed now (0 when already weak: the patch is idempotent).
    /// </summary>
    public static int MarkWeak(string elfPath, string version)
    {
        var bytes = File.ReadAllBytes(elfPath);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{elfPath}: not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"{elfPath}: only 64-bit little-endian ELF files are supported");

        long sectionTableOffset = (long)BitConverter.ToUInt64(bytes, 0x28);
        int sectionEntrySize = BitConverter.ToUInt16(bytes, 0x3A);
        int sectionCount = BitConverter.ToUInt16(bytes, 0x3C);
        int changed = 0;
        for (int s = 0; s < sectionCount; s++)
        {
            long header = sectionTableOffset + (long)s * sectionEntrySize;
            if (BitConverter.ToUInt32(bytes, (int)header + 4) != SectionTypeGnuVersionNeeds) continue;
            long needsOffset = (long)BitConverter.ToUInt64(bytes, (int)header + 0x18);
            int stringSection = (int)BitConverter.ToUInt32(bytes, (int)header + 0x28);
            long stringsOffset = (long)BitConverter.ToUInt64(bytes, (int)(sectionTableOffset + (long)stringSection * sectionEntrySize) + 0x18);

            long need = needsOffset;
            while (true)
            {
                int auxCount = BitConverter.ToUInt16(bytes, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(bytes, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadCString(bytes, stringsOffset + BitConverter.ToUInt32(bytes, (int)aux + 8));
                    ushort flags = BitConverter.ToUInt16(bytes, (int)aux + 4);
                    if (name == version && (flags & VersionFlagWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VersionFlagWeak)).CopyTo(bytes, (int)aux + 4);
                        changed++;
                    }
                    aux += BitConverter.ToUInt32(bytes, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(bytes, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        if (changed > 0)
        {
            // Temp file + rename, so an interrupted build never leaves a half-written library behind.
            string temp = elfPath + ".patching";
            File.WriteAllBytes(temp, bytes);
            File.Replace(temp, elfPath, null);
        }
        return changed;
    }

    static string ReadCString(byte[] bytes, long offset)
    {
        int end = Array.IndexOf(bytes, (byte)0, (int)offset);
        return Encoding.ASCII.GetString(bytes, (int)offset, end - (int)offset);
    }
}

#if !CLIPNET_TESTS
public class WeakenMissingGlibcxxVersion : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required] public string Library { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";
    /// <summary>Patch even when this machine's libstdc++ defines the version: for output that runs elsewhere.</summary>
    public bool Always { get; set; }

    static readonly string[] SystemLibstdcxxPaths =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
    };

    public override bool Execute()
    {
        if (!File.Exists(Library)) return true;
        string? systemLibstdcxx = Array.Find(SystemLibstdcxxPaths, File.Exists);
        bool needed = systemLibstdcxx is not null && !ElfVersionNeeds.LibraryDefinesVersion(systemLibstdcxx, Version);
        if (!needed && !Always) return true;
        int changed = ElfVersionNeeds.MarkWeak(Library, Version);
        if (changed > 0)
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                $"{Library}: marked the {Version} version need weak ({(needed ? $"{systemLibstdcxx} lacks it" : "for machines that lack it")})");
        return true;
    }
}
#endif
