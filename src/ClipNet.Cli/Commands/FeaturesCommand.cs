using System.CommandLine;
using ClipNet.Evaluation;
using ClipNet.Interchange;

namespace ClipNet.Cli.Commands;

/// <summary>
/// `clip features --model M --data D [--shard i/N] [--format safetensors|parquet|clip-retrieval] [--out PATH]`: embed a
/// dataset's images and their first captions (or one shard of them) once, for later evaluations or for other engines;
/// `clip features --merge DIR... --out F`: join the shards.
/// </summary>
public static class FeaturesCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        model.Required = false;   // --merge needs none
        var device = CommonOptions.Device();
        var data = EvaluationOptions.Data();
        var output = new Option<string>("--out")
        {
            Description = "Output: a .safetensors or .parquet file, or the folder for --format clip-retrieval",
            DefaultValueFactory = _ => "features.safetensors",
        };
        var limit = EvaluationOptions.Limit();
        var shard = CommonOptions.Shard("the dataset's items");
        var format = new Option<string?>("--format")
        {
            Description = "safetensors (for `clip eval`), parquet (one row per item) or clip-retrieval (img_emb/*.npy + metadata/*.parquet); default from --out's extension",
        };
        format.AcceptOnlyFromAmong("safetensors", "parquet", "clip-retrieval");
        var dtype = CommonOptions.DType();
        var storage = new Option<string>("--precision")
        {
            Description = "Stored embedding values: float32, or float16 for clip-retrieval output (as clip-retrieval writes them)",
            DefaultValueFactory = _ => "float32",
        };
        storage.AcceptOnlyFromAmong("float32", "float16");
        var noText = new Option<bool>("--no-text")
        {
            Description = "Embed the images alone; by default each item's first caption is embedded too (text_emb/ for clip-retrieval, text_embedding in Parquet, text_features in safetensors)",
        };
        var merge = new Option<string[]>("--merge")
        {
            Description = "Instead of embedding: merge the shard files (or folders of them) into --out, in dataset order",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("features", "Embed a dataset's images (raw, unnormalised) with ids, labels and captions, or merge shards of such files")
            { model, device, dtype, data, output, limit, shard, format, storage, noText, merge };
        CommonOptions.OutputMustNotBeAnInput(command, output, model, data, merge);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(output)!;
            var outputFormat = parse.GetValue(format) is { } named ? Parse(named) : FeatureFiles.FormatOf(path);
            var precision = parse.GetValue(storage) == "float16" ? EmbeddingPrecision.Float16 : EmbeddingPrecision.Float32;
            if (parse.GetValue(merge) is { Length: > 0 } shards)
            {
                if (parse.GetValue(data) is not null) throw new ClipNetException("--merge joins files already embedded; give either --merge or --data, not both");
                using var merged = FeatureFiles.Merge(shards);
                Report(FeatureFiles.Write(merged, path, outputFormat, precision), merged);
                return 0;
            }
            string dataset = parse.GetValue(data) ?? throw new ClipNetException("give --data (a dataset to embed) or --merge (shard files to join)");
            if (parse.GetValue(model) is null) throw new ClipNetException("give --model to embed the dataset with");
            var selected = CommonOptions.ShardOf(parse, shard);
            using var clip = CommonOptions.LoadModel(parse, model, device, dtype);
            using var features = EmbeddingProgressDisplay.Run(selected.IsWhole ? "embedding images" : $"embedding shard {selected}",
                progress => FeatureExtraction.Extract(clip, dataset, parse.GetValue(limit), progress, EvaluationOptions.Problems(), selected, embedCaptions: !parse.GetValue(noText)));
            Report(FeatureFiles.Write(features, path, outputFormat, precision), features);
            return 0;
        });
        return command;
    }

    static FeatureFormat Parse(string name) => name switch
    {
        "parquet" => FeatureFormat.Parquet,
        "clip-retrieval" => FeatureFormat.ClipRetrieval,
        _ => FeatureFormat.Safetensors,
    };

    static void Report(IReadOnlyList<string> files, FeatureSet features)
    {
        string shard = features.Items is { Shard.IsWhole: false } items ? $" (shard {items.Shard})" : "";
        string texts = features.TextFeatures is null ? "" : $" and {features.Count} captions";
        Console.WriteLine($"wrote {string.Join(", ", files)}: {features.Count} images{texts} × {features.Dimension} features{shard}");
    }
}
