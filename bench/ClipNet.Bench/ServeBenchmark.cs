using System.Diagnostics;
using System.Net.Http.Json;
using ClipNet.Model;
using ClipNet.Search;
using ClipNet.Search.Server;
using ClipNet.Training;
using TorchSharp;

namespace ClipNet.Bench;

/// <summary>
/// `-- serve`: what a user of the search page waits for. The time from starting the server (library call, as
/// `clip serve` makes it) to the first search answered, and one text query's latency over HTTP (text encoding,
/// top-k and JSON), with a ViT-B/32-sized model over photos-demo. Weights are random: only sizes matter here.
/// </summary>
static class ServeBenchmark
{
    public static async Task<List<(string What, string Result)>> Run(string shared)
    {
        var rows = new List<(string What, string Result)>();
        string folder = Directory.CreateTempSubdirectory("clipnet-serve-bench-").FullName;
        try
        {
            string photos = Path.Combine(folder, "photos"), model = Path.Combine(folder, "model"), indexPath = Path.Combine(folder, "photos.clipindex");
            Directory.CreateDirectory(photos);
            foreach (string file in Directory.GetFiles(Path.Combine(shared, "data", "photos-demo", "images")))
                File.Copy(file, Path.Combine(photos, Path.GetFileName(file)));
            torch.manual_seed(0);
            using (var vit = new ClipModel(ModelConfigs.Get("ViT-B-32")))
                TrainingCheckpoint.WriteModel(model, vit);
            using (var clip = Clip.Load(model))
            using (var index = PhotoIndex.Create(indexPath, clip))
                index.Update(new IndexUpdateRequest([photos]));

            var clock = Stopwatch.StartNew();
            await using var server = await PhotoSearchServer.StartAsync(new PhotoSearchServerOptions(indexPath) { Port = 0 });
            double listening = clock.Elapsed.TotalSeconds;
            using var http = new HttpClient { BaseAddress = server.Address };
            // What the page does: ask, and while the model loads (503) ask again.
            while (!(await http.GetAsync("/api/search?q=a%20dog%20on%20the%20beach")).IsSuccessStatusCode) await Task.Delay(20);
            double firstAnswer = clock.Elapsed.TotalSeconds;
            rows.Add(("serve, ViT-B/32: start to listening (page and /api/status answer)", $"{listening * 1e3:F0} ms"));
            rows.Add(("serve, ViT-B/32: start to first text search answered (model load + warm-up + query)", $"{firstAnswer:F2} s"));

            var queries = new[] { "a cat", "a red rocket at night", "coins on a table", "a man with a camera", "coffee", "a horse", "stars", "a brick wall" };
            var search = await Milliseconds(24, i => http.GetAsync($"/api/search?q={Uri.EscapeDataString(queries[i % queries.Length])}&top=50"));
            rows.Add(("serve, ViT-B/32: one text search over HTTP, median of 24 (p90)", $"{search[search.Count / 2]:F1} ms ({search[(int)(search.Count * 0.9)]:F1} ms)"));

            long id = (await http.GetFromJsonAsync<SearchResponse>("/api/search?q=a%20cat&top=1"))!.Results[0].Id;
            var similar = await Milliseconds(24, _ => http.GetAsync($"/api/similar/{id}?top=50"));
            rows.Add(("serve: \"more like this\" over HTTP (no model call), median of 24", $"{similar[similar.Count / 2]:F1} ms"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return rows;
    }

    /// <summary>Wall times of <paramref name="count"/> requests in milliseconds, sorted.</summary>
    static async Task<List<double>> Milliseconds(int count, Func<int, Task<HttpResponseMessage>> request)
    {
        var times = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            (await request(i)).EnsureSuccessStatusCode();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times;
    }
}
