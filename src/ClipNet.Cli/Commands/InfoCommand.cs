using System.CommandLine;
using ClipNet.Model;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>`clip info MODEL`: architecture, parameter count and file format.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model file or folder, hub id or open_clip name" };
        var command = new Command("info", "Describe a model: architecture, parameter count, format") { model };
        command.SetAction(parse =>
        {
            using var clip = Clip.Load(DownloadProgressDisplay.Resolve(parse.GetValue(model)!));
            var table = new Table().AddColumns("", "").HideHeaders();
            table.AddRow("source", Markup.Escape(clip.Source));
            table.AddRow("format", clip.Format?.ToString() ?? "in memory");
            foreach (var (field, value) in ModelSummary.Describe(clip.Model)) table.AddRow(field, Markup.Escape(value));
            table.AddRow("preprocessing", Markup.Escape($"{clip.Preprocessor.Size}px, mean [{string.Join(", ", clip.Preprocessor.Mean)}], std [{string.Join(", ", clip.Preprocessor.Std)}]"));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
