using System.Threading.Channels;

namespace ClipNet.Data;

/// <summary>
/// Runs a producer on a background thread at most <c>capacity</c> items ahead of its consumer, so data
/// preparation overlaps the model's work without piling up batches in memory.
/// </summary>
internal static class BoundedPrefetch
{
    /// <summary>
    /// <paramref name="produce"/> should check its token between items. If the consumer stops early the
    /// producer is cancelled and every item made but not consumed is disposed; a producer's failure is
    /// rethrown to the consumer after the items made before it. The producer runs on <paramref name="scheduler"/>
    /// (the thread pool when null).
    /// </summary>
    public static IEnumerable<T> Ahead<T>(Func<CancellationToken, IEnumerable<T>> produce, int capacity, TaskScheduler? scheduler = null)
        where T : IDisposable
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        using var cancellation = new CancellationTokenSource();
        var token = cancellation.Token;
        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                foreach (var item in produce(token))
                {
                    try
                    {
                        channel.Writer.WriteAsync(item, token).AsTask().GetAwaiter().GetResult();
                    }
                    catch
                    {
                        item.Dispose();
                        throw;
                    }
                }
            }
            finally
            {
                channel.Writer.Complete();
            }
        }, token, TaskCreationOptions.DenyChildAttach, scheduler ?? TaskScheduler.Default);

        try
        {
            while (channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                while (channel.Reader.TryRead(out var item))
                    yield return item;
            producer.GetAwaiter().GetResult();
        }
        finally
        {
            cancellation.Cancel();
            try { producer.Wait(); }
            catch (AggregateException) { /* stopped early: the consumer no longer wants the producer's outcome */ }
            while (channel.Reader.TryRead(out var unconsumed)) unconsumed.Dispose();
        }
    }
}
