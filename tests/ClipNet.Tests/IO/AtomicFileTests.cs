using ClipNet.IO;
using ClipNet.Tests.Checkpoints;
using Xunit;

namespace ClipNet.Tests.IO;

public class AtomicFileTests
{
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
