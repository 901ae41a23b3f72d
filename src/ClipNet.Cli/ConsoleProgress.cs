using Spectre.Console;

namespace ClipNet.Cli;

/// <summary>
/// Runs long work with a live Spectre progress bar on a terminal, or with plain progress lines when output is
/// redirected (CI logs, files), where a live bar would print nothing useful.
/// </summary>
static class ConsoleProgress
{
    public static T Run<TReport, T>(string title, Func<ProgressTask, IProgress<TReport>> liveBar, IProgress<TReport> plainLines,
        Func<IProgress<TReport>, T> work, bool clearWhenDone, ProgressColumn[]? columns = null)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return work(plainLines);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(clearWhenDone)
            .Columns(columns ?? [new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()])
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title));
                result = work(liveBar(task));
                task.Value = task.MaxValue;
            });
        return result;
    }
}
