using ClipNet.Data;
using ClipNet.Embeddings;
using ClipNet.Search;
using ClipNet.Vision;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Bench;

/// <summary>
/// `-- pipeline [SHARED]`, and part of the main run: images/s embedding real JPEG files end to end (read, decode,
/// Pillow-exact preprocessing, model; the pipelined embedder of `clip embed`, `clip features`, the evaluations and
/// `clip index`) against the model alone on the same images already preprocessed, for a ViT-B/32 of random weights in
/// float32 and bf16. The files are photos-demo's 16 photos scaled to cover 640×480, centre-cropped to it and saved as
/// JPEG (quality 90), six copies each: 96 files, as in issue 15. The thread settings are compared side by side, and
/// `clip index` (walk, hash, decode, embed, commit) is timed over the same files.
/// </summary>
static class PipelineBench
{
    const int Copies = 6;

    /// <param name="checkpoint">A random ViT-B/32 as safetensors (<see cref="InferenceBench.RandomCheckpoint"/>).</param>
    /// <param name="everySetting">All the thread settings (`-- pipeline`); otherwise the default only (each batch
    /// decoded on every core, then the model), which keeps the main run under its 10 minutes.</param>
    public static void Run(string checkpoint, string shared, Action<(string What, string Result)> add, bool everySetting)
    {
        string folder = Directory.CreateTempSubdirectory("clipnet-bench-jpegs-").FullName;
        try
        {
            var files = WriteJpegs(Path.Combine(shared, "data", "photos-demo", "images"), Path.Combine(folder, "photos"));
            Preprocessing(files, add);
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                using var clip = Clip.Load(checkpoint, dtype);
                EndToEnd(clip, files, add, everySetting);
                if (dtype == ScalarType.Float32) Index(clip, files.Count, folder, add);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static List<string> WriteJpegs(string sources, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        foreach (string source in Directory.GetFiles(sources).Order(StringComparer.Ordinal))
        {
            using var original = SKBitmap.Decode(source);
            double scale = Math.Max(640.0 / original.Width, 480.0 / original.Height);
            using var scaled = original.Resize(new SKImageInfo((int)Math.Ceiling(original.Width * scale), (int)Math.Ceiling(original.Height * scale)),
                new SKSamplingOptions(SKCubicResampler.Mitchell));
            using var cropped = new SKBitmap(640, 480);
            int x = (scaled.Width - 640) / 2, y = (scaled.Height - 480) / 2;
            scaled.ExtractSubset(cropped, new SKRectI(x, y, x + 640, y + 480));
            using var image = SKImage.FromBitmap(cropped);
            using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 90);
            for (int copy = 0; copy < Copies; copy++)
            {
                string file = Path.Combine(folder, $"{copy}-{Path.GetFileNameWithoutExtension(source)}.jpg");
                File.WriteAllBytes(file, jpeg.ToArray());
                files.Add(file);
            }
        }
        return files;
    }

    /// <summary>One thread: decode alone, and decode + resize, crop and normalise, so the model's share can be read off.</summary>
    static void Preprocessing(List<string> files, Action<(string What, string Result)> add)
    {
        var preprocessor = new ImagePreprocessor(224);
        double decode = files.Count / Timing.Median(() => files.ForEach(f => ImageDecoder.Decode(f, reuseThreadBuffer: true)), repeats: 3);
        double whole = files.Count / Timing.Median(() => files.ForEach(f => preprocessor.Preprocess(f)), repeats: 3);
        add(($"640×480 JPEG → normalised 224×224, one thread: decode alone / decode + preprocess",
            $"{decode:F0} img/s / {whole:F0} img/s ({1e3 / whole - 1e3 / decode:F1} ms of resize, crop, normalise)"));
    }

    /// <summary>The thread settings compared: decode workers, their priority, and libtorch's intra-op threads.</summary>
    sealed record Setting(string Name, int Workers, bool LowPriority, int TorchThreads);

    static void EndToEnd(Clip clip, List<string> files, Action<(string What, string Result)> add, bool everySetting)
    {
        int cores = Environment.ProcessorCount, torchThreads = torch.get_num_threads();
        string precision = clip.Model.DType == ScalarType.BFloat16 ? "bf16" : "float32";
        using var pixels = clip.Preprocessor.PreprocessBatch(files);
        // The model alone is timed again just before each end-to-end run and each ratio is taken against that run,
        // so a machine whose speed drifts (other work, a VM's neighbours) distorts the ratios as little as it can.
        double ModelOnly()
        {
            using var _ = torch.no_grad();
            return files.Count / Seconds(() => clip.EncodePixels(pixels).Dispose());
        }
        ModelOnly();   // warm-up
        var modelRates = new List<double>();
        string Compared(double rate)
        {
            double modelOnly = modelRates[^1];
            return $"{rate:F1} img/s = {rate / modelOnly:P0} of model only ({modelOnly:F1} img/s just before)";
        }

        Setting[] settings =
        [
            new($"{cores} low-priority workers, libtorch threads {torchThreads}", cores, true, torchThreads),
            new($"{cores} workers at normal priority", cores, false, torchThreads),
            new("1 worker at normal priority", 1, false, torchThreads),
            new("1 low-priority worker", 1, true, torchThreads),
            new($"1 worker, libtorch threads {Math.Max(1, torchThreads - 1)}", 1, false, Math.Max(1, torchThreads - 1)),
        ];
        foreach (var setting in everySetting ? settings : [])
        {
            modelRates.Add(ModelOnly());
            torch.set_num_threads(setting.TorchThreads);
            try
            {
                var embedder = new PipelinedImageEmbedder(clip) { Workers = setting.Workers, LowPriorityWorkers = setting.LowPriority, BatchesAhead = 1 };
                double rate = files.Count / Seconds(() => embedder.Embed(files).Count());
                add(($"ViT-B/32 {precision}, {files.Count} JPEGs, batch {clip.BatchSize}, end to end (pipelined): {setting.Name}", Compared(rate)));
            }
            finally { torch.set_num_threads(torchThreads); }
        }
        // The default: each batch decoded on all cores, then the model, one after the other.
        modelRates.Add(ModelOnly());
        double sequential = files.Count / Seconds(() => new PipelinedImageEmbedder(clip).Embed(files).Count());
        add(($"same, end to end without overlap (decode a batch on all cores, then the model; the default)", Compared(sequential)));
        modelRates.Sort();
        add(($"ViT-B/32 {precision}, model only (the same images preprocessed), median of the {modelRates.Count} runs above", $"{modelRates[modelRates.Count / 2]:F1} img/s"));
    }

    /// <summary>One run, timed: the model is warm from the model-only rows, and a run takes seconds.</summary>
    static double Seconds(Action action) => Timing.Median(action, repeats: 1, warmUp: false);

    static void Index(Clip clip, int count, string folder, Action<(string What, string Result)> add)
    {
        using var pixels = clip.Preprocessor.PreprocessBatch(Directory.GetFiles(Path.Combine(folder, "photos")));
        double modelOnly;
        using (torch.no_grad()) modelOnly = count / Timing.Median(() => clip.EncodePixels(pixels).Dispose(), repeats: 1);
        // Creating the index fingerprints the model's weights once; the update is what grows with the photos.
        using var index = PhotoIndex.Create(Path.Combine(folder, "index.sqlite"), clip);
        double files = count / Seconds(() => index.Update(new IndexUpdateRequest([Path.Combine(folder, "photos")])));
        add(($"clip index, {count} JPEGs, float32: the update end to end (walk, hash, decode, embed, commit)",
            $"{files:F1} files/s = {files / modelOnly:P0} of model only ({modelOnly:F1} img/s)"));
    }
}
