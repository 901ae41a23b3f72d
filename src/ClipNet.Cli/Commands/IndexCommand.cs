using System.CommandLine;
using System.Diagnostics;
using ClipNet.Search;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip index FOLDER... --model M [--index FILE] [--rebuild]`: embed new and changed photos into the index.</summary>
public static class IndexCommand
{
    public static Command Create()
    {
        var folders = new Argument<string[]>("folder") { Description = "Folders of photos (jpg, jpeg, png, webp, gif, bmp), walked recursively", Arity = ArgumentArity.OneOrMore };
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var index = SearchOptions.Index();
        var rebuild = new Option<bool>("--rebuild") { Description = "Empty the index and re-embed every photo (needed to change the model)" };
        var precision = new Option<VectorPrecision>("--precision") { Description = "How a new index stores vectors: Float16 (half the size) or Float32", DefaultValueFactory = _ => VectorPrecision.Float16 };
        var commitEvery = new Option<int>("--commit-every") { Description = "Photos per committed batch: a crash loses at most this many", DefaultValueFactory = _ => 64 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per model call", DefaultValueFactory = _ => 32 };
        var dtype = CommonOptions.DType();
        var shard = CommonOptions.Shard("the photos (by path relative to their folder), into an index of that shard alone");
        var command = new Command("index", "Add new and changed photos to a searchable index; moved files keep their embedding, removed ones are dropped")
            { folders, model, device, dtype, index, rebuild, precision, commitEvery, batchSize, shard };
        command.SetAction(parse =>
        {
            var request = new IndexUpdateRequest(parse.GetValue(folders)!) { CommitBatchSize = parse.GetValue(commitEvery), Shard = CommonOptions.ShardOf(parse, shard) };
            request.CheckFolders();   // before the model loads
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype, parse.GetValue(batchSize));
            string path = parse.GetValue(index)!;
            using var photos = PhotoIndex.Create(path, clip, parse.GetValue(rebuild), parse.GetValue(precision));
            var result = ConsoleProgress.Run("embedding photos", task => new LiveBar(task), new PlainLines(),
                progress => photos.Update(request, progress), clearWhenDone: true);
            Console.WriteLine($"{path}: {result.New} new, {result.Changed} changed, {result.Moved} moved, {result.Removed} removed, " +
                              $"{result.Unchanged} unchanged, {result.Unreadable} unreadable ({result.Embedded} embedded in {result.Elapsed.TotalSeconds:F1} s)" +
                              (request.Shard.IsWhole ? "" : $" (shard {request.Shard})"));
            if (result.UnreadableFiles.Count > 0)
            {
                Console.WriteLine("unreadable (skipped until they change):");
                foreach (var file in result.UnreadableFiles) Console.WriteLine($"  {file.Problem}");
            }
            return 0;
        });
        return command;
    }

    static string Rate(Stopwatch clock, IndexProgress p) => $"{p.Done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1} files/s";

    sealed class LiveBar(ProgressTask task) : IProgress<IndexProgress>
    {
        readonly Stopwatch clock = Stopwatch.StartNew();

        public void Report(IndexProgress p)
        {
            task.MaxValue = p.Total;
            task.Value = p.Done;
            task.Description = $"embedding {p.Done}/{p.Total} · {Rate(clock, p)}";
        }
    }

    sealed class PlainLines : IProgress<IndexProgress>
    {
        readonly Stopwatch clock = Stopwatch.StartNew();
        int lastTenth = -1;

        public void Report(IndexProgress p)
        {
            int tenth = 10 * p.Done / Math.Max(1, p.Total);
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            var remaining = p.Done == 0 ? TimeSpan.Zero : clock.Elapsed * ((double)(p.Total - p.Done) / p.Done);
            Console.WriteLine($"embedding: {p.Done}/{p.Total} photos, {Rate(clock, p)}, ETA {remaining:hh\\:mm\\:ss}");
        }
    }
}
