using ClipNet.Search;
using ClipNet.Tests.Vision;
using Microsoft.Extensions.VectorData;
using Xunit;

namespace ClipNet.Tests.Search;

/// <summary>The VectorData collection reads, searches, writes and deletes the same photos PhotoIndex sees.</summary>
public class PhotoVectorCollectionTests
{
    [Fact]
    public async Task CollectionAndPhotoIndexAgree()
    {
        using var library = new PhotoLibrary();
        File.WriteAllBytes(library.Photo("dated.jpg"),
            ExifMetadataTests.JpegWithExif(File.ReadAllBytes(SharedFixtures.Fixture("preprocess", "images", "rgb_640x480.jpg")),
                ExifMetadataTests.TiffBlock(6, "2019:05:01 12:00:00")));
        using var clip = Clip.Load(PhotoLibrary.Model);
        using var index = library.CreateIndex(clip);
        index.Update(new IndexUpdateRequest([library.Photos]));
        var collection = new PhotoVectorCollection(index);

        Assert.True(await collection.CollectionExistsAsync());
        var all = await collection.GetAsync(_ => true, 100, new FilteredRecordRetrievalOptions<PhotoVectorRecord> { IncludeVectors = true }).ToListAsync();
        Assert.Equal(17, all.Count);
        var dated = all.Single(r => r.Path.EndsWith("dated.jpg"));
        Assert.Equal(new DateTime(2019, 5, 1, 12, 0, 0), dated.CapturedAt);
        var record = index.Get(dated.Id)!;
        Assert.Equal((6, 480, 640), (record.Orientation, record.Width, record.Height));    // stored upright: 640x480 turned
        Assert.Equal([dated.Id], index.Search(new PhotoQuery { Text = "a photo", Filter = new PhotoFilter { Before = new DateTime(2020, 1, 1) } }).Select(h => h.Id));

        var cat = all.Single(r => r.Path.EndsWith("chelsea.png"));
        var byVector = await collection.SearchAsync(cat.Embedding, top: 5).ToListAsync();
        var similar = index.Similar(cat.Id, top: 4);
        Assert.Equal([cat.Id, .. similar.Select(h => h.Id)], byVector.Select(r => r.Record.Id));
        Assert.Equal(1.0, byVector[0].Score!.Value, 3);
        Assert.Equal(similar.Select(h => (double)h.Score), byVector.Skip(1).Select(r => r.Score!.Value));

        var byText = await collection.SearchAsync("a cat", top: 3, new VectorSearchOptions<PhotoVectorRecord> { Filter = r => r.Path.EndsWith(".png") }).ToListAsync();
        var expected = index.Search(new PhotoQuery { Text = "a cat", Top = 3, Filter = new PhotoFilter { Types = ["png"] } });
        Assert.Equal(expected.Select(h => h.Id), byText.Select(r => r.Record.Id));

        // Written through the collection: a new photo with a given vector, found first by that vector; then deleted.
        var outside = new PhotoVectorRecord { Path = Path.Combine(library.Root, "elsewhere.png"), Embedding = cat.Embedding };
        await collection.UpsertAsync(outside);
        Assert.True(outside.Id > all.Max(r => r.Id));
        var found = await collection.SearchAsync(cat.Embedding, top: 2).ToListAsync();
        Assert.Equal(new[] { cat.Id, outside.Id }.Order(), found.Select(r => r.Record.Id).Order());
        await collection.DeleteAsync(outside.Id);
        Assert.Null(await collection.GetAsync(outside.Id));
        Assert.Equal(17, index.Status().PhotoCount);
        await Assert.ThrowsAsync<NotSupportedException>(async () => await collection.SearchAsync(42, top: 1).ToListAsync());
    }
}
