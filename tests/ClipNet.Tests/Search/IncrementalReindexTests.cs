using ClipNet.Search;
using Xunit;

namespace ClipNet.Tests.Search;

/// <summary>
/// Reindexing a folder embeds only what is new or changed: a renamed file keeps its row, id and embedding,
/// a deleted one leaves, an unreadable one is recorded and not retried until it changes.
/// </summary>
public class IncrementalReindexTests
{
    sealed class Recorder : IProgress<IndexProgress>
    {
        public readonly List<IndexProgress> Reports = [];
        public void Report(IndexProgress value) => Reports.Add(value);
        public int Total => Reports.Count == 0 ? 0 : Reports[^1].Total;
    }

    [Fact]
    public void OnlyNewAndChangedFilesAreEmbedded()
    {
        using var library = new PhotoLibrary();
        using var clip = Clip.Load(PhotoLibrary.Model);
        using var index = library.CreateIndex(clip);
        var request = new IndexUpdateRequest([library.Photos]);

        var first = index.Update(request);
        Assert.Equal((16, 0, 0, 0, 0, 0, 16), (first.New, first.Changed, first.Moved, first.Removed, first.Unchanged, first.Unreadable, first.Embedded));

        var byPath = Records(index);
        var renamedBefore = byPath[library.Photo("horse.png")];
        var changedBefore = byPath[library.Photo("coffee.png")];
        File.Move(library.Photo("horse.png"), library.Photo("renamed horse.PNG"));
        File.Copy(library.Photo("rocket.png"), library.Photo("coffee.png"), overwrite: true);               // changed content
        File.Delete(library.Photo("text.png"));                                                            // removed
        PhotoLibrary.WriteVariant(library.Photo("chelsea.png"), library.Photo("new cat.jpg"), 0.5, jpegQuality: 85); // new
        File.WriteAllText(library.Photo("notes.txt"), "not a photo");                                      // ignored
        File.WriteAllBytes(library.Photo("broken.JPEG"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2]);            // unreadable

        var progress = new Recorder();
        var second = index.Update(request, progress);
        Assert.Equal((1, 1, 1, 1, 13, 1), (second.New, second.Changed, second.Moved, second.Removed, second.Unchanged, second.Unreadable));
        Assert.Equal(2, second.Embedded);                    // the new and the changed file; not the renamed one
        Assert.Equal(3, progress.Total);                     // the broken file was tried once
        Assert.Equal(library.Photo("broken.JPEG"), Assert.Single(second.UnreadableFiles).Path);

        var after = Records(index);
        var renamed = after[library.Photo("renamed horse.PNG")];
        Assert.Equal(renamedBefore.Id, renamed.Id);
        Assert.Equal("png", renamed.Type);
        Assert.Equal(Vector(index, renamedBefore.Id), Vector(index, renamed.Id));
        Assert.False(after.ContainsKey(library.Photo("text.png")));
        Assert.False(after.ContainsKey(library.Photo("horse.png")));
        Assert.Equal(changedBefore.Id, after[library.Photo("coffee.png")].Id);
        Assert.Equal(after[library.Photo("rocket.png")].ContentHash, after[library.Photo("coffee.png")].ContentHash);
        Assert.Equal(Vector(index, after[library.Photo("rocket.png")].Id), Vector(index, after[library.Photo("coffee.png")].Id));
        Assert.Equal(16, index.Status().PhotoCount);
        Assert.Equal(1, index.Status().UnreadableCount);

        var third = index.Update(request, progress = new Recorder());
        Assert.Equal((0, 0, 0, 0, 16, 1, 0), (third.New, third.Changed, third.Moved, third.Removed, third.Unchanged, third.Unreadable, third.Embedded));
        Assert.Empty(progress.Reports);                      // the unreadable file is not retried while unchanged

        File.Copy(library.Photo("camera.png"), library.Photo("broken.JPEG"), overwrite: true);
        var fourth = index.Update(request, progress = new Recorder());
        // Now readable, and a copy of camera.png: new, and it takes that embedding instead of being embedded again.
        Assert.Equal((1, 0, 0, 0, 16, 0, 0), (fourth.New, fourth.Changed, fourth.Moved, fourth.Removed, fourth.Unchanged, fourth.Unreadable, fourth.Embedded));
        Assert.Empty(index.UnreadableFiles());
    }

    [Fact]
    public void AnotherModelIsRefusedUnlessRebuilt()
    {
        using var library = new PhotoLibrary();
        using (var clip = Clip.Load(PhotoLibrary.Model))
        using (var index = library.CreateIndex(clip))
            index.Update(new IndexUpdateRequest([library.Photos]));
        using var other = Clip.Load(SharedFixtures.Fixture("models", "rn", "weights_openai.safetensors"));
        var refused = Assert.Throws<ClipNetException>(() => PhotoIndex.Create(library.IndexPath, other));
        Assert.Contains(library.IndexPath, refused.Message);
        Assert.Contains("--rebuild", refused.Message);
        using (var reopened = PhotoIndex.Open(library.IndexPath))
            Assert.Throws<ClipNetException>(() => reopened.UseModel(other));

        using var rebuilt = PhotoIndex.Create(library.IndexPath, other, rebuild: true);
        Assert.Equal(0, rebuilt.Status().PhotoCount);
        Assert.Equal(16, rebuilt.Update(new IndexUpdateRequest([library.Photos])).Embedded);
        Assert.Equal(other.EmbeddingDimension, rebuilt.Status().Dimension);
    }

    [Fact]
    public void SameWeightsFromAnotherFormatAreTheSameModel()
    {
        using var library = new PhotoLibrary();
        using (var clip = Clip.Load(PhotoLibrary.Model))
        using (var index = library.CreateIndex(clip))
            index.Update(new IndexUpdateRequest([library.Photos]));
        using var huggingFace = Clip.Load(SharedFixtures.Fixture("models", "vit", "hf"));
        using var reopened = PhotoIndex.Create(library.IndexPath, huggingFace);
        Assert.Equal(0, reopened.Update(new IndexUpdateRequest([library.Photos])).Embedded);
    }

    static Dictionary<string, PhotoRecord> Records(PhotoIndex index) =>
        Enumerable.Range(1, 40).Select(id => index.Get(id)).OfType<PhotoRecord>().ToDictionary(r => r.Path);

    static float[] Vector(PhotoIndex index, long id) =>
        new PhotoVectorCollection(index).GetAsync(id, new Microsoft.Extensions.VectorData.RecordRetrievalOptions { IncludeVectors = true })
            .GetAwaiter().GetResult()!.Embedding.ToArray();
}
