using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ClipNet.Bench;

/// <summary>What the peer script printed for one model and batch size (per second: images, texts, training samples).</summary>
sealed record PeerFigures(string Model, int Batch, double ImageFloat32, double TextFloat32, double? ImageBf16, double? TextBf16, double TrainingStep);

/// <summary>
/// The peer's RN50 image rate at batch 1, and ClipNet's timed just before and just after it: a batch-1 call is short
/// enough for this VM's drifting speed to decide a comparison made minutes apart.
/// </summary>
sealed record BatchOneComparison(double Peer, double ClipNetBefore, double ClipNetAfter)
{
    public double ClipNet => (ClipNetBefore + ClipNetAfter) / 2;
}

/// <summary>ClipNet's figures of this run that the peer's are set against (RN50's by batch size).</summary>
sealed record PeerComparison(double VitImageFloat32, double VitImageBf16, double VitText77, TrainingRates VitTraining,
    IReadOnlyDictionary<int, double> ResNetImageFloat32);

/// <summary>
/// The peer, run in the same bench run: OpenAI's `clip/model.py` timed by `../shared/peer/peer_bench.py` on Debian's
/// PyTorch 1.13 (`python3-torch`) with OpenBLAS, 2 threads, random weights. It runs only when the system python has
/// torch and the threaded OpenBLAS (without it torch falls back to the reference BLAS, ~20× slower, which would
/// flatter ClipNet); otherwise one row says what is missing. Nothing in the tests needs python.
/// </summary>
static partial class PeerBench
{
    const string Python = "/usr/bin/python3";
    const string OpenBlas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";
    public const string Description = "peer: OpenAI clip/model.py, Debian PyTorch 1.13 + OpenBLAS, 2 threads";

    /// <summary>
    /// Runs `peer_bench.py` for ViT-B/32 at <paramref name="vitBatch"/> (image, text, training step) and the peer's RN50
    /// image tower alone at each of <paramref name="resNetBatches"/> (`peer_image_rates.py`, beside this program); null
    /// and a reason when the peer cannot run here. Batch 1 runs in a process of its own, between two calls of
    /// <paramref name="clipNetResNetBatchOne"/> (ClipNet's RN50 float32 images/s at batch 1), and
    /// <paramref name="clipNetTraining"/> times ClipNet's training step again right after the peer's.
    /// </summary>
    public static (PeerFigures? Vit, TrainingRates? TrainingAfter, IReadOnlyDictionary<int, double>? ResNetImage, BatchOneComparison? ResNetBatchOne, string? Missing) Run(
        string shared, int vitBatch, int[] resNetBatches, Func<double> clipNetResNetBatchOne, Func<TrainingRates> clipNetTraining)
    {
        string folder = Path.Combine(shared, "peer");
        string script = Path.Combine(folder, "peer_bench.py"), model = Path.Combine(folder, "openai_clip_model.py");
        if (!File.Exists(script) || !File.Exists(model)) return Missing($"{folder} lacks peer_bench.py or openai_clip_model.py");
        if (!File.Exists(Python)) return Missing($"no {Python}");
        if (!File.Exists(OpenBlas)) return Missing("no threaded OpenBLAS (apt-get install libopenblas0-pthread): the peer would run on the reference BLAS");
        var (code, _, error) = Execute(["-c", "import torch"]);
        if (code != 0) return Missing($"{Python} has no torch (apt-get install python3-torch): {LastLine(error)}");

        string batch = vitBatch.ToString(CultureInfo.InvariantCulture);
        var (exit, output, stderr) = Execute([script, model, "ViT-B/32", batch]);
        if (exit != 0) return Missing($"peer_bench.py ViT-B/32 {batch} failed (exit {exit}): {LastLine(stderr)}");
        var vit = Parse("ViT-B/32", vitBatch, output);
        var trainingAfter = clipNetTraining();

        var resNet = new Dictionary<int, double>();
        string? PeerResNet(int[] batches)
        {
            string list = string.Join(',', batches);
            var (exit, output, stderr) = Execute([Path.Combine(AppContext.BaseDirectory, "peer_image_rates.py"), model, "RN50", list]);
            if (exit != 0) return $"peer_image_rates.py RN50 {list} failed (exit {exit}): {LastLine(stderr)}";
            foreach (Match m in ImageRate().Matches(output))
                resNet[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            return batches.FirstOrDefault(b => !resNet.ContainsKey(b)) is int absent and > 0
                ? $"peer_image_rates.py printed no rate for batch {absent}:\n{output}"
                : null;
        }
        BatchOneComparison? batchOne = null;
        if (resNetBatches.Contains(1))
        {
            double before = clipNetResNetBatchOne();
            if (PeerResNet([1]) is { } failure) return Missing(failure);
            batchOne = new BatchOneComparison(resNet[1], before, clipNetResNetBatchOne());
        }
        if (resNetBatches.Where(b => b != 1).ToArray() is { Length: > 0 } larger && PeerResNet(larger) is { } problem) return Missing(problem);
        return (vit, trainingAfter, resNet, batchOne, null);
    }

    static (PeerFigures?, TrainingRates?, IReadOnlyDictionary<int, double>?, BatchOneComparison?, string?) Missing(string reason) =>
        (null, null, null, null, reason);

    static string LastLine(string text) => text.Trim().Split('\n')[^1];

    /// <summary>The rows that set the peer's figures beside ClipNet's of the same run, as ratios.</summary>
    /// <param name="trainingAfter">ClipNet's training step timed again just after the peer's; the row takes the mean of
    /// that and <paramref name="ours"/>' (timed before the peer ran).</param>
    public static void AddRows(PeerFigures? peer, TrainingRates? trainingAfter, IReadOnlyDictionary<int, double>? resNetImage,
        BatchOneComparison? resNetBatchOne, string? missing, PeerComparison ours, BenchTable rows)
    {
        if (peer is null || trainingAfter is null || resNetImage is null)
        {
            rows.Add(($"{Description}", $"not run: {missing}"));
            return;
        }
        string prefix = $"{Description}; {peer.Model}, batch {peer.Batch}";
        rows.Add(($"{prefix}: image, float32 / bf16 (peer: autocast)",
            $"{peer.ImageFloat32:F1} / {Format(peer.ImageBf16)} img/s; ClipNet {ours.VitImageFloat32:F1} / {ours.VitImageBf16:F1} = " +
            $"{ours.VitImageFloat32 / peer.ImageFloat32:F2}× / {Ratio(ours.VitImageBf16, peer.ImageBf16)} the peer"));
        rows.Add(($"{prefix}: text, 77 tokens, float32", $"{peer.TextFloat32:F1} txt/s; ClipNet {ours.VitText77:F1} = {ours.VitText77 / peer.TextFloat32:F2}× the peer"));
        var (before, after) = (ours.VitTraining, trainingAfter);
        double float32 = (before.Float32 + after.Float32) / 2, bf16 = (before.BFloat16 + after.BFloat16) / 2;
        rows.Add(($"{prefix}: training step (peer: float32)",
            $"{peer.TrainingStep:F2} samples/s; ClipNet float32 {float32:F2} = {float32 / peer.TrainingStep:F2}× (target ≥ 2×), " +
            $"bf16 mixed {bf16:F2} = {bf16 / peer.TrainingStep:F2}× (target ≥ 4×); ClipNet's are the means of its rows above " +
            $"({before.Float32:F2} / {before.BFloat16:F2}) and of a second timing just after the peer's ({after.Float32:F2} / {after.BFloat16:F2})"));
        foreach (var (batch, rate) in resNetImage.OrderBy(r => r.Key))
        {
            if (batch == 1 && resNetBatchOne is { } around)
            {
                rows.Add(($"{Description}; RN50, batch 1: image, float32",
                    $"{rate:F1} img/s; ClipNet {around.ClipNet:F1} (timed just before and after the peer: {around.ClipNetBefore:F1} and " +
                    $"{around.ClipNetAfter:F1}; {ours.ResNetImageFloat32[1]:F1} in its row above) = {around.ClipNet / rate:F2}× the peer (target > 1× at every batch size)"));
                continue;
            }
            double clipNet = ours.ResNetImageFloat32[batch];
            rows.Add(($"{Description}; RN50, batch {batch}: image, float32",
                $"{rate:F1} img/s; ClipNet {clipNet:F1} = {clipNet / rate:F2}× the peer (target > 1× at every batch size)"));
        }
    }

    static string Format(double? rate) => rate is double r ? r.ToString("F1", CultureInfo.InvariantCulture) : "—";
    static string Ratio(double ours, double? peer) => peer is double p ? $"{ours / p:F2}×" : "—";

    internal static PeerFigures Parse(string model, int batch, string output)
    {
        double Find(Regex pattern, string what) => pattern.Match(output) is { Success: true } m
            ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"peer_bench.py printed no {what}:\n{output}");
        double? Optional(Regex pattern) => pattern.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        return new PeerFigures(model, batch,
            Find(Float32Image(), "float32 image rate"), Find(Float32Text(), "float32 text rate"),
            Optional(Bf16Image()), Optional(Bf16Text()), Find(TrainingStep(), "training step rate"));
    }

    [GeneratedRegex(@"fp32 bs=\d+: encode_image ([\d.]+) img/s")] private static partial Regex Float32Image();
    [GeneratedRegex(@"fp32 bs=\d+: encode_image [\d.]+ img/s, encode_text ([\d.]+) txt/s")] private static partial Regex Float32Text();
    [GeneratedRegex(@"bf16-autocast bs=\d+: encode_image ([\d.]+) img/s")] private static partial Regex Bf16Image();
    [GeneratedRegex(@"bf16-autocast bs=\d+: encode_image [\d.]+ img/s, encode_text ([\d.]+) txt/s")] private static partial Regex Bf16Text();
    [GeneratedRegex(@"fp32 train step bs=\d+: ([\d.]+) samples/s")] private static partial Regex TrainingStep();
    [GeneratedRegex(@"fp32 bs=(\d+): encode_image ([\d.]+) img/s")] private static partial Regex ImageRate();

    /// <summary>The system python, as the peer's README runs it (OpenBLAS tuning variables unset, so it detects the CPU itself).</summary>
    static (int Code, string Output, string Error) Execute(string[] arguments)
    {
        var start = new ProcessStartInfo(Python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        start.Environment.Remove("PYTHONPATH");
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
