using System.Diagnostics;
using ClipNet.Model;
using ClipNet.Search;
using ClipNet.Text;
using ClipNet.Vision;

namespace ClipNet.Bench;

/// <summary>
/// `-- search`: exact top-k latency over random unit vectors at 10k, 100k and 1M × 512 (float16 and float32
/// storage), text-encoding time for one query, and indexing throughput end to end (walk, hash, decode,
/// preprocess, embed, commit) against the model alone, with a randomly initialised ViT-B/32.
/// </summary>
static class SearchBench
{
    public static List<(string What, string Result)> Run(string shared)
    {
        var rows = new List<(string, string)>();
        const int dimension = 512, top = 20;
        var random = new Random(7);
        foreach (int count in new[] { 10_000, 100_000, 1_000_000 })
        {
            var values = new float[(long)count * dimension];
            for (long i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5);
            for (int r = 0; r < count; r++)
            {
                var row = values.AsSpan(r * dimension, dimension);
                System.Numerics.Tensors.TensorPrimitives.Divide(row, System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
            }
            var query = values.AsSpan(0, dimension).ToArray();
            foreach (var precision in new[] { VectorPrecision.Float16, VectorPrecision.Float32 })
            {
                var matrix = VectorMatrix.FromRows(values, dimension, precision);
                double seconds = Timing.Median(() => VectorMatrix.TopK(matrix.Scores(query), top), repeats: 5);
                rows.Add(($"top-{top} exact cosine search, {count:N0} × {dimension}, {precision}", $"{seconds * 1e3:F1} ms"));
            }
        }

        using var clip = new Clip(new ClipModel(ModelConfigs.Get("ViT-B-32-quickgelu")), ClipTokenizer.Default, new ImagePreprocessor(224), "random ViT-B-32");
        double text = Timing.Median(() => clip.EncodeTexts(["a dog on the beach at sunset"]).Dispose(), repeats: 5);
        rows.Add(("text query encoding, ViT-B/32 text tower", $"{text * 1e3:F0} ms"));

        // 64 photo files (photos-demo, each under four names) through the whole index update.
        string folder = Directory.CreateTempSubdirectory("clipnet-bench-photos-").FullName;
        try
        {
            var sources = Directory.GetFiles(Path.Combine(shared, "data", "photos-demo", "images"));
            var files = new List<string>();
            for (int copy = 0; copy < 4; copy++)
                foreach (string source in sources)
                {
                    string file = Path.Combine(folder, "photos", $"{copy}-{Path.GetFileName(source)}");
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    File.Copy(source, file);
                    files.Add(file);
                }
            var clock = Stopwatch.StartNew();
            using (var index = PhotoIndex.Create(Path.Combine(folder, "index.sqlite"), clip))
                index.Update(new IndexUpdateRequest([Path.Combine(folder, "photos")]));
            double endToEnd = files.Count / clock.Elapsed.TotalSeconds;
            using var pixels = clip.Preprocessor.PreprocessBatch(files);
            double modelOnly = files.Count / Timing.Median(() => clip.EncodePixels(pixels).Dispose(), repeats: 2);
            rows.Add(($"clip index, {files.Count} photos end to end (fingerprint, walk, hash, decode, embed, commit)", $"{endToEnd:F1} files/s"));
            rows.Add(("same photos, model only (preprocessed pixels through the image tower)", $"{modelOnly:F1} images/s (index: {endToEnd / modelOnly:P0} of it)"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return rows;
    }
}
