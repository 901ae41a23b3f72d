using ClipNet.Search;
using Xunit;
using Xunit.Abstractions;

namespace ClipNet.Tests.Search;

/// <summary>
/// Exact copies are told apart from resized or re-encoded ones, near-duplicate groups are exactly the connected
/// components of "cosine ≥ threshold", and at the default threshold every resized or re-encoded copy is grouped
/// with its original.
/// </summary>
public class DuplicateTests(ITestOutputHelper output)
{
    [Fact]
    public void ExactAndNearDuplicatesAreGroupedApart()
    {
        using var library = new PhotoLibrary();
        string[] varied = ["astronaut", "chelsea", "coffee", "horse", "rocket", "coins", "camera", "hubble_deep_field"];
        foreach (string name in varied)
        {
            PhotoLibrary.WriteVariant(library.Photo($"{name}.png"), library.Photo($"{name} small.jpg"), 0.6, jpegQuality: 75);
            PhotoLibrary.WriteVariant(library.Photo($"{name}.png"), library.Photo($"{name} cropped.png"), 0.9, cropFraction: 0.02);
        }
        File.Copy(library.Photo("grass.png"), library.Photo("grass copy.png"));
        using var clip = Clip.Load(PhotoLibrary.Model);
        using var index = library.CreateIndex(clip);
        index.Update(new IndexUpdateRequest([library.Photos]));

        string Original(string path) => Path.GetFileNameWithoutExtension(path).Split(' ')[0];
        var records = Enumerable.Range(1, 60).Select(id => index.Get(id)).OfType<PhotoRecord>().ToList();
        var same = new List<float>();
        var different = new List<float>();
        foreach (var a in records)
            foreach (var hit in index.Similar(a.Id, top: 100).Where(h => h.Id > a.Id))
                (Original(a.Path) == Original(hit.Path) ? same : different).Add(hit.Score);
        output.WriteLine($"variant pairs: min {same.Min():F4}, mean {same.Average():F4}; different photos: max {different.Max():F4}, mean {different.Average():F4}");

        var report = index.Duplicates();
        var exact = Assert.Single(report.Groups, g => g.Kind == DuplicateKind.Exact);
        Assert.Equal(["grass copy.png", "grass.png"], exact.Photos.Select(p => Path.GetFileName(p.Path)).Order());

        // Near groups are the connected components of "cosine ≥ threshold" over distinct contents, computed here by brute force.
        var near = report.Groups.Where(g => g.Kind == DuplicateKind.Near).Select(g => g.Photos.Select(p => p.Id).Order().ToList()).ToList();
        var distinct = records.GroupBy(r => r.ContentHash).Select(g => g.MinBy(r => r.Id)!).ToList();   // the lowest id stands for its copies
        var component = distinct.ToDictionary(r => r.Id, r => r.Id);
        long Find(long id) => component[id] == id ? id : component[id] = Find(component[id]);
        foreach (var a in distinct)
            foreach (var hit in index.Similar(a.Id, top: 100, minScore: PhotoIndex.DefaultDuplicateThreshold).Where(h => component.ContainsKey(h.Id)))
                component[Find(a.Id)] = Find(hit.Id);
        var expected = distinct.GroupBy(r => Find(r.Id)).Where(g => g.Count() > 1).Select(g => g.Select(r => r.Id).Order().ToList()).ToList();
        Assert.Equal(expected.Select(g => string.Join(",", g)).Order(), near.Select(g => string.Join(",", g)).Order());
        Assert.DoesNotContain(near, g => g.Contains(exact.Photos.Max(p => p.Id)));

        // Every resized or re-encoded copy lands with its original (their cosines are all above the threshold).
        Assert.True(same.Min() >= PhotoIndex.DefaultDuplicateThreshold);
        foreach (string name in varied)
        {
            var ids = records.Where(r => Original(r.Path) == name).Select(r => r.Id).ToList();
            Assert.Contains(near, g => ids.All(g.Contains));
        }
        foreach (var group in report.Groups.Where(g => g.Kind == DuplicateKind.Near))
            Assert.True(group.MinSimilarity <= 1f && group.Photos.Count >= 2);
    }
}
