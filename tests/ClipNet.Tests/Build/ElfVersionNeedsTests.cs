using System.Diagnostics;
using Xunit;

namespace ClipNet.Tests.Build;

/// <summary>The build step that lets TorchSharp's native library load on Debian 12 (build/ElfVersionNeeds.cs).</summary>
public class ElfVersionNeedsTests
{
    const string Version = "GLIBCXX_3.4.32";

    /// <summary>Where this user's restores put NuGet packages.</summary>
    internal static string UserPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>TorchSharp's libLibTorchSharp.so as its NuGet package ships it, unpatched.</summary>
    internal static string OriginalLibrary() =>
        Path.Combine(UserPackagesFolder, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>
    /// binutils' own reading of the version-need entry, as an independent check of our ELF walk; null on a
    /// machine without binutils, where the byte-level checks below still hold.
    /// </summary>
    static string? ReadelfFlags(string path)
    {
        var start = new ProcessStartInfo("readelf", ["-V", path]) { RedirectStandardOutput = true };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { return null; }
        using var _ = process;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n').Single(line => line.Contains($"Name: {Version}")).Trim();
    }

    [Fact]
    public void MarksTheVersionNeedWeakOnceAndOnlyIt()
    {
        string copy = Path.Combine(Directory.CreateTempSubdirectory("clipnet-elf-").FullName, "libLibTorchSharp.so");
        File.Copy(OriginalLibrary(), copy);
        byte[] before = File.ReadAllBytes(copy);
        if (ReadelfFlags(copy) is string original) Assert.Contains("Flags: none", original);

        Assert.Equal(1, ElfVersionNeeds.MarkWeak(copy, Version));
        if (ReadelfFlags(copy) is string patched) Assert.Contains("Flags: WEAK", patched);
        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(1, before.Zip(after).Count(pair => pair.First != pair.Second));   // only the flags' low byte

        Assert.Equal(0, ElfVersionNeeds.MarkWeak(copy, Version));   // idempotent: nothing left to change
        Assert.Equal(after, File.ReadAllBytes(copy));
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
    }

    [Fact]
    public void TheBuildPatchedTheCopyBesideTheTestsOnlyBecauseThisSystemLacksTheVersion()
    {
        string systemLibrary = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        Assert.True(ElfVersionNeeds.LibraryDefinesVersion(systemLibrary, "GLIBCXX_3.4.30"));
        bool lacksVersion = !ElfVersionNeeds.LibraryDefinesVersion(systemLibrary, Version);
        string built = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        // Marking it now changes nothing exactly when the build already did.
        string copy = Path.Combine(Directory.CreateTempSubdirectory("clipnet-elf-").FullName, "built.so");
        File.Copy(built, copy);
        Assert.Equal(lacksVersion ? 0 : 1, ElfVersionNeeds.MarkWeak(copy, Version));
        if (ReadelfFlags(built) is string flags) Assert.Contains(lacksVersion ? "Flags: WEAK" : "Flags: none", flags);
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
    }

    [Fact]
    public void RefusesFilesThatAreNotElf()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "not an ELF file at all, just text padding it out beyond sixty-four bytes.....");
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(path, Version));
        File.Delete(path);
    }
}
