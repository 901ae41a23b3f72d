using ClipNet.IO;
using ClipNet.Tests.Checkpoints;
using Xunit;

namespace ClipNet.Tests.IO;

public class AtomicFileTests
{
    /// <summary>What a killed writer left beside its target is removed by the next write; other dot-files are not.</summary>
    [Fact]
    public void TheNextWriteRemovesWhatAKilledWriteLeft()
    {
        using var root = new TempFolder();
        string leftFile = root.Write($".model.safetensors.{Guid.NewGuid():N}.tmp", [1, 2, 3]);
        string leftFolder = Directory.CreateDirectory(Path.Combine(root.Path, $".model.{Guid.NewGuid():N}.tmp")).FullName;
        string mine = root.Write(".model.safetensors.notes.tmp", [4]);
        string other = root.Write($".other.{Guid.NewGuid():N}.tmp", [5]);

        AtomicFile.WriteAllText(Path.Combine(root.Path, "model.safetensors"), "new");
        AtomicFile.WriteDirectory(Path.Combine(root.Path, "model"), temporary => File.WriteAllText(Path.Combine(temporary, "a"), "a"));

        Assert.False(File.Exists(leftFile));
        Assert.False(Directory.Exists(leftFolder));
        Assert.True(File.Exists(mine));     // not of the writer's naming
        Assert.True(File.Exists(other));    // another target's: removed only when that one is written or its folder swept
        Assert.Equal(1, AtomicFile.RemoveLeftovers(root.Path));
        Assert.False(File.Exists(other));
    }

    [Fact]
    public void AFolderIsReplacedWholeAndNoTemporaryIsLeft()
    {
        using var root = new TempFolder();
        string target = Path.Combine(root.Path, "model");
        AtomicFile.WriteDirectory(target, temporary => File.WriteAllText(Path.Combine(temporary, "old.txt"), "old"));
        AtomicFile.WriteDirectory(target, temporary => File.WriteAllText(Path.Combine(temporary, "new.txt"), "new"));
        Assert.Equal(["new.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal(["model"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailedWriteLeavesTheEarlierFolderAndFileAsTheyWere()
    {
        using var root = new TempFolder();
        string target = Path.Combine(root.Path, "model");
        AtomicFile.WriteDirectory(target, temporary => File.WriteAllText(Path.Combine(temporary, "weights"), "good"));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteDirectory(target, temporary =>
        {
            File.WriteAllText(Path.Combine(temporary, "weights"), "half");
            throw new InvalidOperationException("killed mid-write");
        }));
        Assert.Equal("good", File.ReadAllText(Path.Combine(target, "weights")));

        string file = Path.Combine(root.Path, "config.json");
        AtomicFile.WriteAllText(file, "{}");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(file, stream =>
        {
            stream.Write("{\"half"u8);
            throw new InvalidOperationException("killed mid-write");
        }));
        Assert.Equal("{}", File.ReadAllText(file));
        Assert.Equal(["config.json", "model"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName).Order());
    }
}
