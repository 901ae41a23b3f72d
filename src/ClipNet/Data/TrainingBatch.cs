using static TorchSharp.torch;

namespace ClipNet.Data;

/// <summary>A batch of matching pairs: row i of <see cref="Pixels"/> goes with row i of <see cref="TokenIds"/>.</summary>
public sealed record TrainingBatch(Tensor Pixels, Tensor TokenIds) : IDisposable
{
    public long Count => Pixels.shape[0];

    public void Dispose()
    {
        Pixels.Dispose();
        TokenIds.Dispose();
    }
}

/// <summary>
/// Batches for training, epoch by epoch. An epoch's order and augmentation depend only on the seed, the
/// epoch and the batch index, so a resumed run sees exactly the batches an uninterrupted one would.
/// </summary>
public interface ITrainingBatches
{
    int BatchesPerEpoch { get; }
    IEnumerable<TrainingBatch> Epoch(int epoch, int startBatch);
}
