using ClipNet.Search;
using Xunit;
using Xunit.Abstractions;

namespace ClipNet.Tests.Search;

/// <summary>
/// Exact copies are told apart from resized or re-encoded ones, and at the default threshold every
/// near-duplicate group holds one photo and its own variants, never two different photos.
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
        var near = report.Groups.Where(g => g.Kind == DuplicateKind.Near).ToList();
        Assert.Equal(varied.Order(), near.Select(g => Original(g.Photos[0].Path)).Order());
        foreach (var group in near)
        {
            Assert.Equal(3, group.Photos.Count);
            Assert.Single(group.Photos.Select(p => Original(p.Path)).Distinct());
            Assert.True(group.MinSimilarity >= PhotoIndex.DefaultDuplicateThreshold);
        }
        Assert.Empty(index.Duplicates(threshold: 0.99999f).Groups.Where(g => g.Kind == DuplicateKind.Near && g.Photos.Count > 3));
    }
}
