using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Data;

/// <summary>
/// Pairs already turned into tensors (pixels [N, 3, S, S], token ids [N, L]), served in a seeded shuffled
/// order. The last partial batch of an epoch is dropped, as contrastive batches should have equal size.
/// </summary>
public sealed class InMemoryTrainingBatches(Tensor pixels, Tensor tokenIds, int batchSize, int seed) : ITrainingBatches
{
    public int BatchesPerEpoch => (int)(pixels.shape[0] / batchSize);

    public IEnumerable<TrainingBatch> Epoch(int epoch, int startBatch)
    {
        var order = EpochOrder.Permutation((int)pixels.shape[0], seed, epoch);
        for (int b = startBatch; b < BatchesPerEpoch; b++)
        {
            using var rows = torch.tensor(order[(b * batchSize)..((b + 1) * batchSize)].Select(i => (long)i).ToArray());
            yield return new TrainingBatch(pixels.index_select(0, rows), tokenIds.index_select(0, rows));
        }
    }
}
