using System.Diagnostics;
using ClipNet.Bench;
using ClipNet.Model;
using ClipNet.Training;
using ClipNet.Data;
using TorchSharp;
using static TorchSharp.torch;

// Measures ClipNet against this machine's own GEMM rate and compares alternative paths, all in one run, so
// the ratios are meaningful even on a noisy machine. Results go to stdout as a Markdown table and replace the
// generated table in BENCHMARKS.md.
// The bench measures what the `clip` command runs, which sets the allocator up first thing (NativeMemory).
string allocator = ClipNet.IO.NativeMemory.ReuseFreedBlocks();
// Before the GEMM rates below, the first float32 products (MklKernels).
string mkl = ClipNet.IO.MklKernels.SelectByCpuFeatures();
if (InferenceBench.RunChild(args)) return;
if (args is [Timing.GemmChildSwitch])
{
    Console.WriteLine(Timing.GemmGflops(1024));
    return;
}
torch.set_grad_enabled(true);
MachineLoad.WaitUntilQuiet();
string machine = $"{InferenceBench.MachineLine()}; {allocator}; {mkl}";
Console.WriteLine(machine);
var rows = new BenchTable(machine);
string shared = args.Length > 0 ? args[0] : "../shared";

// `-- search [SHARED]` runs only the photo-search rows.
if (args.FirstOrDefault() == "search")
{
    PrintRows(SearchBench.Run(args.Length > 1 ? args[1] : "../shared"));
    return;
}

// `-- preprocess [SHARED]` runs only the preprocessing rows (PreprocessBench.cs).
if (args.FirstOrDefault() == "preprocess")
{
    PrintRows(PreprocessBench.Run(args.Length > 1 ? args[1] : "../shared"));
    return;
}

// `-- towers [BATCHES]` runs only the image towers with page faults per forward pass (TowerBench.cs).
if (args.FirstOrDefault() == "towers")
{
    PrintRows(TowerBench.Run(args));
    return;
}

// `-- serve [SHARED]` runs only the search server's start-up and query latency (ServeBenchmark.cs).
if (args.FirstOrDefault() == "serve")
{
    PrintRows(await ServeBenchmark.Run(args.Length > 1 ? args[1] : "../shared"));
    return;
}

// `-- training` runs only the GEMM rates and the ViT-B/32 training-step rows (TrainingBench.cs), printed, not written.
if (args.FirstOrDefault() == "training") rows = new BenchTable(machine, updatesFile: false);

// `-- pipeline [SHARED]` runs only the end-to-end embedding rows (PipelineBench.cs).
if (args.FirstOrDefault() == "pipeline")
{
    string folder = Directory.CreateTempSubdirectory("clipnet-bench-").FullName;
    try
    {
        Console.WriteLine("| measurement | result |\n| --- | --- |");
        Console.WriteLine($"| float32 / bf16 GEMM 1024×1024 (libtorch) | {Timing.GemmGflops(1024):F1} / {Timing.GemmGflops(1024, ScalarType.BFloat16):F1} GFLOP/s |");
        PipelineBench.Run(InferenceBench.RandomCheckpoint("ViT-B-32-quickgelu", folder), args.Length > 1 ? args[1] : "../shared",
            row => Console.WriteLine($"| {row.What} | {row.Result} |"), everySetting: true);
        var (what, result) = rows.Load.Row();
        Console.WriteLine($"| {what} | {result} |");
    }
    finally { Directory.Delete(folder, recursive: true); }
    return;
}

double gemm = Timing.GemmGflops(1024);
double gemmBf16 = Timing.GemmGflops(1024, ScalarType.BFloat16);
// What MKL's own choice of kernels gives, in a child process right after: it chooses once per process.
double gemmVendorCheck = Timing.GemmGflopsWithMklVendorCheck();
rows.Add(("float32 GEMM 1024×1024 (libtorch)", $"{gemm:F1} GFLOP/s; {gemmVendorCheck:F1} with MKL's own choice of kernels " +
    $"(a child process with {ClipNet.IO.MklKernels.KeepVendorCheckVariable}=1: {gemm / gemmVendorCheck:F2}×)"));
rows.Add(("bf16 GEMM 1024×1024 (libtorch)", $"{gemmBf16:F1} GFLOP/s ({gemmBf16 / gemm:F1}× float32)"));
if (args.FirstOrDefault() == "training")
{
    TrainingBench.Run(rows);
    rows.Finish();
    return;
}

string checkpoints = Directory.CreateTempSubdirectory("clipnet-bench-").FullName;
try
{
    Dictionary<int, (double Float32, double BFloat16)> vitB32Rates, resNetRates;
    double text77;
    string vitB32 = InferenceBench.RandomCheckpoint("ViT-B-32-quickgelu", checkpoints);
    InferenceBench.Loading(vitB32, Path.Combine(shared, "data", "photos-demo", "images", "astronaut.png"), rows);
    // Issue 15's goals: float32 at ≥ 90 % of the float32 GEMM rate, bf16 at ≥ 75 % of the bf16 one.
    vitB32Rates = InferenceBench.ImageEncoding("ViT-B/32", vitB32, rows, [1, 8, 32, 64], goals: (0.90, 0.75));
    text77 = InferenceBench.Texts(vitB32, shared, rows);
    PipelineBench.Run(vitB32, shared, rows.Add, everySetting: false);
    File.Delete(vitB32);
    string resNet = InferenceBench.RandomCheckpoint("RN50-quickgelu", checkpoints);
    resNetRates = InferenceBench.ImageEncoding("RN50", resNet, rows, [1, 8, 32, 64]);
    // The larger ViTs, one checkpoint on disk at a time (ViT-L/14's is 1.7 GB).
    foreach (var (label, name) in new[] { ("ViT-B/16", "ViT-B-16-quickgelu"), ("ViT-L/14", "ViT-L-14-quickgelu") })
    {
        string checkpoint = InferenceBench.RandomCheckpoint(name, checkpoints);
        if (label == "ViT-L/14") InferenceBench.OneImage(label, checkpoint, Path.Combine(shared, "data", "photos-demo", "images", "astronaut.png"), rows);
        // ViT-L/14 in float32 at batch 32 alone would take two minutes a call: its per-image rate is the same at batch 8.
        InferenceBench.ImageEncoding(label, checkpoint, rows, label == "ViT-L/14" ? [1, 8] : [1, 8, 32]);
        File.Delete(checkpoint);
    }
    var training = TrainingBench.Run(rows);
    // The peer runs after ClipNet's rows, alone on the machine as they were. The comparisons that decide targets are
    // also timed on ClipNet's side beside the peer's: the training step again just after the peer's, RN50 at batch 1
    // just before and after the peer's (PeerBench.Run).
    var (peer, trainingAfter, peerResNet, peerResNetBatchOne, peerMissing) = PeerBench.Run(shared, vitBatch: 32, resNetBatches: [1, 8, 32, 64],
        () => InferenceBench.BatchOneRate(resNet), TrainingBench.Rates);
    PeerBench.AddRows(peer, trainingAfter, peerResNet, peerResNetBatchOne, peerMissing, new PeerComparison(vitB32Rates[32].Float32,
        vitB32Rates[32].BFloat16, text77, training, resNetRates.ToDictionary(r => r.Key, r => r.Value.Float32)), rows);
}
finally { Directory.Delete(checkpoints, recursive: true); }

// Training steps of the quickstart architecture: float32 vs bf16 mixed precision, and patch embedding paths.
var config = ModelConfigs.Get("quickstart-ViT-32px");

// A freshly initialised quickstart model in training mode, with the trainer's optimizer and step.
(ClipModel Model, AdamWOptimizer Optimizer, ContrastiveStep Step) NewTraining()
{
    torch.manual_seed(0);
    var model = new ClipModel(config);
    model.train();
    return (model, WeightDecayGroups.CreateAdamW(model, 1e-3, 0.1, 0.9, 0.98, 1e-6), new ContrastiveStep(model, LossKind.Contrastive, TowerLock.None, 0));
}

double StepsPerSecond(TrainingPrecision precision)
{
    var (model, optimizer, step) = NewTraining();
    using var _ = model;
    var batch = new TrainingBatch(torch.randn(128, 3, 32, 32), Tokens(128));
    double seconds = Timing.Median(() =>
    {
        optimizer.ZeroGrad();
        using (model.Precision.Use(precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : null)) step.Run(batch);
        optimizer.Step();
    }, repeats: 5);
    return 1 / seconds;
}
double float32 = StepsPerSecond(TrainingPrecision.Float32);
double bf16 = StepsPerSecond(TrainingPrecision.BFloat16);
rows.Add(("quickstart ViT training step, batch 128, float32", $"{float32 * 128:F0} samples/s"));
rows.Add(("same, bf16 mixed precision", $"{bf16 * 128:F0} samples/s ({bf16 / float32:F2}× float32)"));

// Our AdamW holds its Scalars (TorchSharp's can have them freed mid-call); what does that cost?
{
    torch.manual_seed(0);
    using var model = new ClipModel(config);
    foreach (var p in model.parameters()) p.grad = torch.randn_like(p);
    var ours = WeightDecayGroups.CreateAdamW(model, 1e-3, 0.1, 0.9, 0.98, 1e-6);
    var theirs = torch.optim.AdamW(model.parameters(), 1e-3, 0.9, 0.98, 1e-6, 0.1);
    double oursSeconds = Timing.Median(() => { using var _ = torch.NewDisposeScope(); ours.Step(); }, repeats: 21);
    double theirsSeconds = Timing.Median(() => { using var _ = torch.NewDisposeScope(); theirs.step(); }, repeats: 21);
    rows.Add(("AdamW step, quickstart ViT: ours / TorchSharp's time", $"{oursSeconds / theirsSeconds:F2} ({oursSeconds * 1e3:F1} ms)"));
}

foreach (var (size, patch) in new[] { (32, 4), (64, 8), (224, 32) })
{
    var conv = nn.Conv2d(3, 128, patch, stride: patch, bias: false);
    var images = torch.randn(128, 3, size, size).requires_grad_(false);
    int grid = size / patch;
    double convSeconds = Timing.Median(() => conv.forward(images).sum().backward(), repeats: 5);
    double matmulSeconds = Timing.Median(() =>
        images.reshape(128, 3, grid, patch, grid, patch).permute(0, 2, 4, 1, 3, 5).reshape(128, grid * grid, 3 * patch * patch)
            .matmul(conv.weight!.flatten(1).t()).sum().backward(), repeats: 5);
    rows.Add(($"patch embedding fwd+bwd, {size} px, patch {patch}, batch 128: convolution time / patchify+matmul time", $"{convSeconds / matmulSeconds:F2}"));
}

// Linear probe: L-BFGS on plain arrays with one float64 objective evaluation (two GEMMs) per trial step.
// The floor is those GEMMs at this machine's float64 GEMM rate; the ratio is the time spent on everything else.
{
    const int rowsCount = 15_000, dim = 128, classes = 10;
    torch.manual_seed(0);
    var features = torch.nn.functional.normalize(torch.randn(rowsCount, dim), dim: 1);
    var labels = torch.randint(0, classes, [rowsCount]).data<long>().ToArray();
    ClipNet.Evaluation.LinearProbeModel? fitted = null;
    double fitSeconds = Timing.Median(() => { fitted?.Dispose(); fitted = ClipNet.Evaluation.LinearProbe.Fit(features, labels, 1.0); }, repeats: 3);
    int iterations = fitted!.Iterations;
    double gemm64 = Timing.GemmGflops(1024, ScalarType.Float64);
    double floorSeconds = iterations * 4.0 * rowsCount * dim * classes / (gemm64 * 1e9);
    rows.Add(("float64 GEMM 1024×1024 (libtorch)", $"{gemm64:F1} GFLOP/s"));
    rows.Add(($"linear-probe fit, {rowsCount:N0}×{dim} features, {classes} classes, C = 1",
        $"{iterations} iterations in {fitSeconds:F2} s = {fitSeconds / floorSeconds:F1}× its GEMMs at the float64 GEMM rate"));
}

// Decoding threads beside libtorch's own: the same training loop with one and with two data workers.
string cifar = Path.Combine(shared, "data", "cifar10-train");
if (Directory.Exists(cifar))
{
    var dataset = DatasetFactory.Open(cifar, new DatasetOptions());
    double SamplesPerSecond(int workers)
    {
        var (model, optimizer, step) = NewTraining();
        using var _ = model;
        var batches = new DatasetBatches(dataset, ClipNet.Text.ClipTokenizer.Default,
            RandomResizedCropTransform.Matching(new ClipNet.Vision.ImagePreprocessor(32)), 128, 0) { Workers = workers };
        var clock = Stopwatch.StartNew();
        int taken = 0;
        foreach (var batch in batches.Epoch(0, 0))
        {
            if (taken == 2) clock.Restart();   // the first two steps warm up
            optimizer.ZeroGrad();
            step.Run(batch);
            optimizer.Step();
            batch.Dispose();
            if (++taken == 12) break;
        }
        return 10 * 128 / clock.Elapsed.TotalSeconds;
    }
    double one = SamplesPerSecond(1), two = SamplesPerSecond(2);
    rows.Add(("CIFAR-10 training loop, 1 decode worker", $"{one:F0} samples/s"));
    rows.Add(("same, 2 decode workers (= cores)", $"{two:F0} samples/s ({two / one:F2}× one worker)"));
}

foreach (var row in PreprocessBench.Run(shared)) rows.Add(row);

rows.Finish();
void PrintRows(List<(string What, string Result)> sectionRows)
{
    Console.WriteLine("| measurement | result |\n| --- | --- |");
    foreach (var (what, result) in sectionRows.Append(rows.Load.Row())) Console.WriteLine($"| {what} | {result} |");
}

static Tensor Tokens(int n)
{
    var ids = torch.zeros(n, 77, ScalarType.Int64);
    ids[.., 0] = 49406;
    ids[.., 1..11] = torch.randint(300, 40000, [n, 10]);
    ids[.., 11] = 49407;
    return ids;
}
