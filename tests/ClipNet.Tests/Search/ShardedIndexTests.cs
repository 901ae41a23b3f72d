using ClipNet.Data;
using ClipNet.Search;
using ClipNet.Tests.Cli;
using Xunit;
using static ClipNet.Tests.Cli.EvaluationCliTests;

namespace ClipNet.Tests.Search;

/// <summary>
/// `clip index --shard i/N`: N batch jobs index disjoint parts of the same folders, chosen by the one
/// <see cref="Shard"/> hash of each photo's path relative to its folder, and together they index what one
/// unsharded run does. A sharded index never counts the other shards' files as removed.
/// </summary>
public class ShardedIndexTests
{
    /// <summary>photos-demo with four photos moved into a nested folder, so ids have a `/` in them.</summary>
    static PhotoLibrary NestedLibrary()
    {
        var library = new PhotoLibrary();
        string nested = Directory.CreateDirectory(library.Photo(Path.Combine("trips", "2024"))).FullName;
        foreach (string name in new[] { "astronaut.png", "coffee.png", "rocket.png", "horse.png" })
            File.Move(library.Photo(name), Path.Combine(nested, name));
        return library;
    }

    static Dictionary<string, PhotoRecord> Records(PhotoIndex index) =>
        Enumerable.Range(1, 100).Select(id => index.Get(id)).OfType<PhotoRecord>().ToDictionary(r => r.Path);

    /// <summary>The shard id as the issue defines it, computed here independently of PhotoFiles.</summary>
    static string Id(PhotoLibrary library, string path) => Path.GetRelativePath(library.Photos, path).Replace('\\', '/');

    [Fact]
    public void ThreeShardIndexesAreDisjointAndCoverTheUnshardedIndex()
    {
        using var library = NestedLibrary();
        using var clip = Clip.Load(PhotoLibrary.Model);
        HashSet<string> whole;
        using (var index = PhotoIndex.Create(Path.Combine(library.Root, "whole.sqlite"), clip))
        {
            Assert.Equal(16, index.Update(new IndexUpdateRequest([library.Photos])).New);
            whole = [.. Records(index).Keys];
        }
        Assert.Contains(whole, p => Id(library, p) == "trips/2024/coffee.png");

        var seen = new HashSet<string>();
        for (int i = 0; i < 3; i++)
        {
            using var index = PhotoIndex.Create(Path.Combine(library.Root, $"shard-{i}.sqlite"), clip);
            var result = index.Update(new IndexUpdateRequest([library.Photos]) { Shard = new Shard(i, 3) });
            var paths = Records(index).Keys.ToList();
            Assert.True(paths.Count > 0, $"shard {i}/3 is empty");
            Assert.Equal(paths.Count, result.New);
            Assert.Equal(paths.Count, result.Embedded);
            foreach (string path in paths)
            {
                Assert.True(seen.Add(path), $"{path} is in two shards");
                Assert.Equal(i, Shard.Of(Id(library, path), 3));
            }
        }
        Assert.Equal(whole.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OtherShardsFilesAreNeverRemovedAndAnIndexKeepsItsShard()
    {
        using var library = NestedLibrary();
        using var clip = Clip.Load(PhotoLibrary.Model);
        var shard = new Shard(0, 2);
        var request = new IndexUpdateRequest([library.Photos]) { Shard = shard };
        using var index = library.CreateIndex(clip);
        int count = index.Update(request).New;

        var all = Directory.GetFiles(library.Photos, "*", SearchOption.AllDirectories);
        string mine = all.First(p => shard.Contains(Id(library, p))), theirs = all.First(p => !shard.Contains(Id(library, p)));
        File.Delete(mine);
        File.Delete(theirs);
        var again = index.Update(request);
        // Only the deleted file of this shard is removed; the other shard's files were never walked, nor looked for.
        Assert.Equal((1, 0, count - 1, 0), (again.Removed, again.New, again.Unchanged, again.Embedded));
        Assert.False(Records(index).ContainsKey(mine));

        var other = Assert.Throws<ClipNetException>(() => index.Update(new IndexUpdateRequest([library.Photos]) { Shard = new Shard(1, 2) }));
        Assert.Contains("holds shard 0/2", other.Message);
        Assert.Contains(library.IndexPath, other.Message);
        var wholeUpdate = Assert.Throws<ClipNetException>(() => index.Update(new IndexUpdateRequest([library.Photos])));
        Assert.Contains("not all of them", wholeUpdate.Message);
        Assert.Equal(count - 1, index.Status().PhotoCount);
    }

    [Fact]
    public void CliIndexesAShardAndRefusesAMismatchedOneInOneLine()
    {
        using var library = NestedLibrary();
        string[] Index(params string[] extra) => ["index", library.Photos, "--model", PhotoLibrary.Model, "--index", library.IndexPath, .. extra];
        var run = ClipProcess.Run(Index("--shard", "2/3"));
        AssertSuccess(run);
        int expected = Directory.GetFiles(library.Photos, "*", SearchOption.AllDirectories).Count(p => Shard.Of(Id(library, p), 3) == 2);
        Assert.Contains($"{expected} new", run.Output);
        Assert.Contains("(shard 2/3)", run.Output);

        AssertCleanFailure(ClipProcess.Run(Index("--shard", "1/3")), library.IndexPath, "holds shard 2/3", "--shard 2/3");
        AssertCleanFailure(ClipProcess.Run(Index("--shard", "3/3")), "shard 3/3", "from 0 to 2");
        AssertSuccess(ClipProcess.Run(Index("--shard", "1/3", "--rebuild")));
    }
}
