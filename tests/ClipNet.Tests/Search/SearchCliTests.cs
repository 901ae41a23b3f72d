using ClipNet.Checkpoints;
using ClipNet.Search;
using ClipNet.Tests.Cli;
using Microsoft.Data.Sqlite;
using System.Text.Json;
using Xunit;

namespace ClipNet.Tests.Search;

/// <summary>
/// `clip search` ranks exactly as a brute-force ranking of `clip embed`'s embeddings (equal scores by lower id
/// first), and `clip index`/`search`/`dedupe` answer bad input with one `error:` line naming the file.
/// </summary>
public class SearchCliTests
{
    static void AssertOneErrorLine(ClipProcess.Result result, params string[] expectedInMessage)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        foreach (string part in expectedInMessage) Assert.Contains(part, result.Error);
    }

    static void Index(PhotoLibrary library, params string[] extra)
    {
        var result = ClipProcess.Run(["index", library.Photos, "--model", PhotoLibrary.Model, "--index", library.IndexPath, .. extra]);
        Assert.True(result.ExitCode == 0, result.Error);
    }

    static List<(long Id, string Path, float Score)> Search(PhotoLibrary library, params string[] query)
    {
        var result = ClipProcess.Run(["search", .. query, "--index", library.IndexPath, "--top", "100", "--json"]);
        Assert.True(result.ExitCode == 0, result.Error);
        return [.. JsonDocument.Parse(result.Output).RootElement.EnumerateArray()
            .Select(h => (h.GetProperty("id").GetInt64(), h.GetProperty("path").GetString()!, h.GetProperty("score").GetSingle()))];
    }

    [Fact]
    public void RankingEqualsBruteForceOverClipEmbedWithStableTies()
    {
        using var library = new PhotoLibrary();
        Index(library, "--precision", "Float32");
        // Two copies added afterwards take the embedding of their original: exactly equal scores.
        File.Copy(library.Photo("coffee.png"), library.Photo("zz coffee copy.png"));
        File.Copy(library.Photo("coffee.png"), library.Photo("aa coffee copy.png"));
        Index(library);

        Dictionary<string, long> ids;
        using (var index = PhotoIndex.Open(library.IndexPath))
            ids = Enumerable.Range(1, 30).Select(id => index.Get(id)).OfType<PhotoRecord>().ToDictionary(r => r.Path, r => r.Id);
        var paths = ids.OrderBy(p => p.Value).Select(p => p.Key).ToList();
        string embeddings = Path.Combine(library.Root, "embeddings.safetensors");
        var embed = ClipProcess.Run(["embed", "--model", PhotoLibrary.Model, .. paths.SelectMany(p => new[] { "--image", p }), "--text", "a cup of coffee", "--out", embeddings]);
        Assert.True(embed.ExitCode == 0, embed.Error);
        var tensors = FixtureTensors.ReadAll(embeddings);
        var images = tensors["image_embeds"].data<float>().ToArray();
        var text = tensors["text_embeds"].data<float>().ToArray();
        int dimension = text.Length;

        void AssertRanking(List<(long Id, string Path, float Score)> actual, float[] query)
        {
            var expected = paths.Select((p, row) => (Id: ids[p], Score: Enumerable.Range(0, dimension).Sum(i => (double)images[row * dimension + i] * query[i])))
                .OrderByDescending(e => e.Score).ThenBy(e => e.Id).ToList();
            Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Id));
            foreach (var (e, a) in expected.Zip(actual)) Assert.True(Math.Abs(e.Score - a.Score) < 1e-5, $"photo {e.Id}: {a.Score} vs {e.Score}");
        }

        AssertRanking(Search(library, "a cup of coffee"), text);
        var byImage = Search(library, "--image", library.Photo("chelsea.png"));
        AssertRanking(byImage, images.AsSpan(paths.IndexOf(library.Photo("chelsea.png")) * dimension, dimension).ToArray());

        var coffee = new[] { "coffee.png", "zz coffee copy.png", "aa coffee copy.png" }.Select(n => ids[library.Photo(n)]).ToList();
        Assert.Equal(coffee.Order(), Search(library, "--image", library.Photo("coffee.png")).Take(3).Select(h => h.Id));
        Assert.Equal(coffee.Skip(1).Order(), Search(library, "--similar", $"{coffee[0]}").Take(2).Select(h => h.Id));
    }

    [Fact]
    public void FiltersAndMinScoreNarrowTheResults()
    {
        using var library = new PhotoLibrary();
        Directory.CreateDirectory(library.Photo("jpegs"));
        PhotoLibrary.WriteVariant(library.Photo("horse.png"), library.Photo("jpegs/horse.jpg"), 1, jpegQuality: 90);
        PhotoLibrary.WriteVariant(library.Photo("coins.png"), library.Photo("jpegs/coins.JPEG"), 1, jpegQuality: 90);
        Index(library);
        var all = Search(library, "a horse");
        Assert.Equal(18, all.Count);
        Assert.Equal(2, Search(library, "a horse", "--type", "jpg").Count);
        Assert.Equal(2, Search(library, "a horse", "--folder", library.Photo("jpegs")).Count);
        Assert.Equal(all.Where(h => h.Path.EndsWith(".png")).Select(h => h.Id), Search(library, "a horse", "--type", "png").Select(h => h.Id));
        float median = all[9].Score;
        Assert.Equal(all.Where(h => h.Score >= median).Select(h => h.Id), Search(library, "a horse", "--min-score", $"{median:R}").Select(h => h.Id));
        Assert.Empty(Search(library, "a horse", "--before", "2000-01-01"));       // file times are now; no EXIF dates here
        Assert.Equal(18, Search(library, "a horse", "--after", "2000-01-01").Count);
    }

    [Fact]
    public void AnIndexThatIsNotOursIsRefusedAndLeftUntouched()
    {
        using var library = new PhotoLibrary(copyDemo: false);
        string text = Path.Combine(library.Root, "notes.sqlite");
        File.WriteAllText(text, "these are my notes, not a database");
        AssertOneErrorLine(ClipProcess.Run("search", "a cat", "--index", text), text, "not a ClipNet photo index");

        string foreign = Path.Combine(library.Root, "other.sqlite");
        using (var connection = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE photos(x); INSERT INTO photos VALUES (1);";
            command.ExecuteNonQuery();
        }
        byte[] before = File.ReadAllBytes(foreign);
        AssertOneErrorLine(ClipProcess.Run("index", library.Photos, "--model", PhotoLibrary.Model, "--index", foreign), foreign, "another program's SQLite file");
        AssertOneErrorLine(ClipProcess.Run("dedupe", "--index", foreign), foreign, "not a ClipNet photo index");
        Assert.Equal(before, File.ReadAllBytes(foreign));

        AssertOneErrorLine(ClipProcess.Run("search", "a cat", "--index", Path.Combine(library.Root, "missing.sqlite")), "missing.sqlite: index not found");
    }

    [Fact]
    public void ACorruptIndexIsOneClearError()
    {
        using var library = new PhotoLibrary();
        Index(library);
        byte[] good = File.ReadAllBytes(library.IndexPath);

        File.WriteAllBytes(library.IndexPath, good[..(good.Length / 3)]);             // truncated: pages missing
        AssertOneErrorLine(ClipProcess.Run("search", "--similar", "1", "--index", library.IndexPath), library.IndexPath, "corrupt");

        var scribbled = (byte[])good.Clone();
        new Random(3).NextBytes(scribbled.AsSpan(0, 100));                          // header destroyed
        File.WriteAllBytes(library.IndexPath, scribbled);
        AssertOneErrorLine(ClipProcess.Run("dedupe", "--index", library.IndexPath), library.IndexPath, "not a ClipNet photo index");
    }

    [Fact]
    public void MissingFolderUndecodableQueryAndEmptyIndexAreOneClearError()
    {
        using var library = new PhotoLibrary(copyDemo: false);
        string missing = Path.Combine(library.Root, "no such folder");
        AssertOneErrorLine(ClipProcess.Run("index", missing, "--model", PhotoLibrary.Model, "--index", library.IndexPath), missing, "folder not found");

        Index(library);                                                              // an empty folder: an empty index
        AssertOneErrorLine(ClipProcess.Run("search", "a cat", "--index", library.IndexPath), library.IndexPath, "the index is empty");
        AssertOneErrorLine(ClipProcess.Run("dedupe", "--index", library.IndexPath), library.IndexPath, "the index is empty");

        File.Copy(Path.Combine(PhotoLibrary.DemoImages, "coins.png"), library.Photo("coins.png"));
        Index(library);
        string bad = Path.Combine(library.Root, "query.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xDB, 0, 3, 0]);
        AssertOneErrorLine(ClipProcess.Run("search", "--image", bad, "--index", library.IndexPath), bad, "not a decodable image");
        AssertOneErrorLine(ClipProcess.Run("search", "--image", bad + ".missing", "--index", library.IndexPath), "query.jpg.missing: file not found");
    }
}
