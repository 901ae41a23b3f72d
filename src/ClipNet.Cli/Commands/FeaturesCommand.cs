using System.CommandLine;
using ClipNet.Evaluation;

namespace ClipNet.Cli.Commands;

/// <summary>`clip features --model M --data D [--out F.safetensors] [--limit N]`: embed a dataset's images once for later evaluations.</summary>
public static class FeaturesCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var data = EvaluationOptions.Data(required: true);
        var output = new Option<string>("--out") { Description = "Output .safetensors file", DefaultValueFactory = _ => "features.safetensors" };
        var limit = EvaluationOptions.Limit();
        var command = new Command("features", "Embed a dataset's images (raw, unnormalised) with labels and captions into a safetensors file")
            { model, device, dtype, data, output, limit };
        command.SetAction(parse =>
        {
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            string path = parse.GetValue(output)!;
            using var features = EmbeddingProgressDisplay.Run("embedding images",
                progress => FeatureExtraction.Extract(clip, parse.GetValue(data)!, parse.GetValue(limit), progress, EvaluationOptions.Problems()));
            features.Save(path);
            Console.WriteLine($"wrote {path}: {features.Count} images × {features.Dimension} features");
            return 0;
        });
        return command;
    }
}
