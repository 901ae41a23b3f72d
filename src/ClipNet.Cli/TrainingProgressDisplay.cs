using ClipNet.Training;
using Spectre.Console;

namespace ClipNet.Cli;

/// <summary>
/// Shows training progress: a live bar with step, loss, inverse temperature, learning rate, samples/s and ETA on a
/// terminal; one plain line every few percent when output is redirected (CI logs, files).
/// </summary>
public static class TrainingProgressDisplay
{
    public static T Run<T>(string title, Func<IProgress<TrainingProgress>, T> work) =>
        ConsoleProgress.Run(title, task => new LiveBar(task), new PlainLines(), work, clearWhenDone: false);

    static string Describe(TrainingProgress p) =>
        $"step {p.Step}/{p.TotalSteps} · epoch {p.Epoch + 1} · loss {p.Loss:F4} · 1/τ {p.InverseTemperature:F2} · lr {p.LearningRate:E2} · {p.SamplesPerSecond:F0} samples/s · ETA {p.Eta:hh\\:mm\\:ss}";

    sealed class LiveBar(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.MaxValue = p.TotalSteps;
            task.Value = p.Step;
            task.Description = Markup.Escape(Describe(p));
        }
    }

    sealed class PlainLines : IProgress<TrainingProgress>
    {
        int lastPercent = -1;

        public void Report(TrainingProgress p)
        {
            int percent = 100 * p.Step / Math.Max(1, p.TotalSteps);
            if (percent / 5 == lastPercent / 5 && p.Step != p.TotalSteps) return;
            lastPercent = percent;
            Console.WriteLine(Describe(p));
        }
    }
}
