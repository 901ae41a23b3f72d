using ClipNet.Vision;
using static TorchSharp.torch;

namespace ClipNet.Data;

/// <summary>
/// The one way many images are decoded and preprocessed ahead of a model: worker threads turn inputs into
/// Pillow-exact pixel batches (<see cref="PixelBatch"/>), in input order, either when the consumer asks for each (the
/// default here) or at most <see cref="BatchesAhead"/> batches ahead of it through a bounded queue
/// (<see cref="BoundedPrefetch"/>); memory stays bounded either way. An input that cannot be decoded or preprocessed is recorded in its batch with its exception and left
/// out of the pixels; it does not stop the others. <c>PipelinedImageEmbedder</c> (clip embed, features, the
/// evaluations, index) and <see cref="EvaluationLoader"/> run on it.
/// </summary>
/// <remarks>
/// Threads, measured on the idle 2-core machine (PipelineBench, BENCHMARKS.md, ViT-B/32 at batch 32, 96 JPEGs): libtorch
/// splits every operation across all cores and waits for the slowest share, so a decode worker that runs beside the model
/// slows the whole step. Preparing each batch on all cores, then running the model on all cores (no overlap, the default)
/// kept end to end at 99–100 % of model-only speed in float32 and 86–89 % in bf16 (whose model step is short enough that decoding
/// is 14 % of the work whatever the schedule); overlapping with one normal-priority worker reached 91 % and 68 %, two
/// low-priority workers 88 % and 79 %. <see cref="BatchesAhead"/> ≥ 1 turns overlap on, for machines where the model
/// cannot use every core; the bench's `-- pipeline` section measures both on any machine.
/// </remarks>
public sealed class PreprocessingPipeline(ImagePreprocessor preprocessor)
{
    /// <summary>Decode workers by default: every core (they run while the model waits, not beside it).</summary>
    public static int DefaultWorkers => Environment.ProcessorCount;

    /// <summary>Threads that decode and preprocess.</summary>
    public int Workers { get; init; } = DefaultWorkers;

    /// <summary>
    /// Prepared batches waiting for the consumer at most. 0 (the default): no overlap, each batch is prepared when the
    /// consumer asks for it; ≥ 1: workers prepare that many batches ahead while the consumer runs.
    /// </summary>
    public int BatchesAhead { get; init; }

    /// <summary>Run the workers below the process's priority (Linux; elsewhere this has no effect).</summary>
    public bool LowPriorityWorkers { get; init; }

    /// <summary>
    /// Batches of <paramref name="batchSize"/> inputs (fewer in the last), prepared from the images
    /// <paramref name="decode"/> makes of <paramref name="inputs"/>; it runs on the workers, given each input and its
    /// position. Stopping the enumeration early stops the workers and frees the batches made ahead.
    /// </summary>
    public IEnumerable<PreprocessedBatch> Batches<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode, int batchSize)
    {
        if (Workers <= 0) throw new ClipNetException($"workers must be positive, got {Workers}");
        if (BatchesAhead < 0) throw new ClipNetException($"batches ahead must be 0 or more, got {BatchesAhead}");
        if (batchSize <= 0) throw new ClipNetException($"the batch size must be positive, got {batchSize}");
        return inputs.Count == 0 ? [] : Run(inputs, decode, batchSize);
    }

    IEnumerable<PreprocessedBatch> Run<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode, int batchSize)
    {
        using var threads = new DecodeThreads(Workers, LowPriorityWorkers);
        var batches = BatchesAhead == 0
            ? Prepare(inputs, decode, batchSize, threads, CancellationToken.None)
            : BoundedPrefetch.Ahead(token => Prepare(inputs, decode, batchSize, threads, token), BatchesAhead, threads);
        foreach (var batch in batches)
            yield return batch;
    }

    IEnumerable<PreprocessedBatch> Prepare<T>(IReadOnlyList<T> inputs, Func<T, int, DecodedImage> decode, int batchSize,
        TaskScheduler threads, CancellationToken token)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = token, TaskScheduler = threads };
        for (int start = 0; start < inputs.Count; start += batchSize)
        {
            token.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, inputs.Count - start);
            var problems = new Exception?[count];
            // Each image goes straight into the batch; one that cannot be read is recorded and its plane dropped after.
            var pixels = PixelBatch.Build(count, preprocessor.Size, (i, plane) =>
            {
                try
                {
                    preprocessor.PreprocessInto(decode(inputs[start + i], start + i), plane);
                }
                catch (Exception e) when (DataProblemLog.IsSampleProblem(e))
                {
                    problems[i] = e;
                }
            }, options);
            yield return new PreprocessedBatch(start, PixelBatch.Without(pixels, problems), problems);
        }
    }
}

/// <summary>
/// Inputs <see cref="Start"/> to <see cref="Start"/> + <see cref="Count"/> − 1, prepared: <see cref="Pixels"/> holds the
/// readable ones in input order ([N, 3, S, S] float32; null when none was), <c>Problems[i]</c> why input
/// <see cref="Start"/> + i could not be read (null when it could).
/// </summary>
public sealed record PreprocessedBatch(int Start, Tensor? Pixels, Exception?[] Problems) : IDisposable
{
    public int Count => Problems.Length;

    public void Dispose() => Pixels?.Dispose();
}
