using System.CommandLine;
using ClipNet.Checkpoints;

namespace ClipNet.Cli.Commands;

/// <summary>`clip convert --model M --to hf|openclip --out PATH`.</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var to = new Option<string>("--to") { Description = "hf (Hugging Face CLIPModel folder) or openclip (safetensors + open_clip_config.json)", Required = true };
        to.AcceptOnlyFromAmong("hf", "openclip");
        var output = new Option<string>("--out") { Description = "Output folder (hf), or folder or .safetensors file (openclip)", Required = true };
        var command = new Command("convert", "Convert a model to a Hugging Face folder or OpenCLIP safetensors") { model, to, output };
        command.SetAction(parse =>
        {
            using var clip = Clip.Load(DownloadProgressDisplay.Resolve(parse.GetValue(model)!));
            var format = parse.GetValue(to) == "hf" ? ExportFormat.HuggingFace : ExportFormat.OpenClip;
            clip.Export(format, parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
