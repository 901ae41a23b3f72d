using ClipNet.Hub;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>
/// Shows a download's bytes, rate and time left: a live bar on a terminal; a plain line every 10 % when output is
/// redirected. Also the one way the commands turn a `--model` argument into a model on disk.
/// </summary>
static class DownloadProgressDisplay
{
    public static T Run<T>(string title, Func<IProgress<DownloadProgress>, T> work, bool clearWhenDone = false) =>
        ConsoleProgress.Run(title, task => new LiveBar(task), new PlainLines(title), work, clearWhenDone,
            [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn()]);

    /// <summary>A local path as it is; a hub or pretrained name from the cache, or downloaded with a progress bar.</summary>
    public static ModelLocation Resolve(string reference) =>
        File.Exists(reference) || Directory.Exists(reference)
            ? new ModelLocation(reference)
            : Run($"downloading {reference}", progress => ModelReference.Resolve(reference, progress: progress), clearWhenDone: true);

    sealed class LiveBar(ProgressTask task) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress p)
        {
            task.Description = Markup.Escape(p.File);
            task.MaxValue = Math.Max(1, p.BytesTotal);
            task.Value = p.BytesDone;
        }
    }

    sealed class PlainLines(string title) : IProgress<DownloadProgress>
    {
        int lastTenth = -1;

        public void Report(DownloadProgress p)
        {
            int tenth = (int)(10 * p.BytesDone / Math.Max(1, p.BytesTotal));
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            Console.WriteLine($"{title}: {p.File}, {Megabytes(p.BytesDone)} of {Megabytes(p.BytesTotal)}");
        }
    }

    public static string Megabytes(long bytes) => $"{bytes / 1e6:0.0} MB";
}
