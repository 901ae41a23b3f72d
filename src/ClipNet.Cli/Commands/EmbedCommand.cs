using System.CommandLine;
using ClipNet.Embeddings;

namespace ClipNet.Cli.Commands;

/// <summary>`clip embed --model M [--image P]... [--text T]... --out FILE.safetensors [--raw]`.</summary>
public static class EmbedCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var images = new Option<string[]>("--image") { Description = "Image file (repeatable)", DefaultValueFactory = _ => [] };
        var texts = new Option<string[]>("--text") { Description = "Text (repeatable)", DefaultValueFactory = _ => [] };
        var output = new Option<string>("--out") { Description = "Output .safetensors file", Required = true };
        var raw = new Option<bool>("--raw") { Description = "Write unnormalised embeddings" };
        var truncate = new Option<bool>("--truncate") { Description = "Cut texts longer than the context instead of failing" };
        var command = new Command("embed", "Embed images and texts into a safetensors file (image_embeds, text_embeds, logit_scale)")
            { model, device, dtype, images, texts, output, raw, truncate };
        CommonOptions.OutputMustNotBeAnInput(command, output, model, images);
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            EmbeddingProgressDisplay.Run("embedding images", progress =>
            {
                EmbeddingFile.Write(clip, parse.GetValue(images)!, parse.GetValue(texts)!, parse.GetValue(output)!,
                    normalize: !parse.GetValue(raw), truncate: parse.GetValue(truncate), progress);
                return true;
            });
            Console.WriteLine($"wrote {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
