using System.Text.Json;
using ClipNet.Checkpoints;
using ClipNet.Data;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Evaluation;

/// <summary>
/// A dataset's images embedded once by a frozen model, so zero-shot, retrieval and linear-probe evaluations
/// can reuse them. Row i of <see cref="ImageFeatures"/> is the raw (unnormalised) float32 image embedding of
/// one item, with its class (<see cref="ImageTextSample.NoLabel"/> when the dataset has none) and captions.
/// Saved as safetensors: <c>image_features</c> (F32 [N, D]), <c>labels</c> (I64 [N]) and JSON strings in
/// the metadata for the class names, captions, model and dataset; with <see cref="Items"/>, also
/// <c>positions</c> (I64 [N]) and the ids and shard in the metadata; with <see cref="TextFeatures"/>, also
/// <c>text_features</c> (F32 [N, D]). Owns <see cref="ImageFeatures"/> and <see cref="TextFeatures"/>.
/// </summary>
public sealed class FeatureSet : IDisposable
{
    const string FeaturesTensor = "image_features", TextFeaturesTensor = "text_features", LabelsTensor = "labels", PositionsTensor = "positions";
    const string FormatKey = "format", Format = "clipnet-features/1";

    public Tensor ImageFeatures { get; }
    public IReadOnlyList<long> Labels { get; }
    public IReadOnlyList<IReadOnlyList<string>> Captions { get; }
    /// <summary>Names of the label indices; null when the dataset has no classes.</summary>
    public IReadOnlyList<string>? ClassNames { get; }
    /// <summary>The model the features come from (its path), so a later run can tell whether it matches.</summary>
    public string Model { get; }
    public string Dataset { get; }
    /// <summary>Which dataset items the rows are, so shards can be told apart and merged; null for sets made without.</summary>
    public FeatureItems? Items { get; }
    /// <summary>
    /// Row i is the raw text embedding of row i's first caption (the caption clip-retrieval's metadata and the
    /// Parquet table show), as `clip features` writes for clip-retrieval's text_emb; null when not embedded.
    /// </summary>
    public Tensor? TextFeatures { get; }

    public int Count => (int)ImageFeatures.shape[0];
    public long Dimension => ImageFeatures.shape[1];

    public FeatureSet(Tensor imageFeatures, IReadOnlyList<long> labels, IReadOnlyList<IReadOnlyList<string>> captions,
        IReadOnlyList<string>? classNames, string model, string dataset, FeatureItems? items = null, Tensor? textFeatures = null)
    {
        EvaluationInputs.RequireMatrix(imageFeatures, $"The image features of {dataset}");
        if (labels.Count != imageFeatures.shape[0] || captions.Count != imageFeatures.shape[0])
            throw new ClipNetException(
                $"{dataset}: {imageFeatures.shape[0]} rows of image features need as many labels and caption lists, but there are {labels.Count} labels and {captions.Count} caption lists.");
        ImageFeatures = imageFeatures;
        Labels = labels;
        Captions = captions;
        if (items is not null && (items.Ids.Count != imageFeatures.shape[0] || items.Positions.Count != imageFeatures.shape[0]))
            throw new ClipNetException(
                $"{dataset}: {imageFeatures.shape[0]} rows of image features need as many item ids and positions, but there are {items.Ids.Count} ids and {items.Positions.Count} positions.");
        if (textFeatures is not null && (textFeatures.ndim != 2 || textFeatures.shape[0] != imageFeatures.shape[0] || textFeatures.shape[1] != imageFeatures.shape[1]))
            throw new ClipNetException(
                $"{dataset}: the text features [{string.Join(", ", textFeatures.shape)}] must be one row per image, as wide as the image features [{string.Join(", ", imageFeatures.shape)}].");
        TextFeatures = textFeatures;
        ClassNames = classNames;
        Model = model;
        Dataset = dataset;
        Items = items;
    }

    /// <summary>Whether every row has a class, as zero-shot and linear-probe evaluation need.</summary>
    public bool IsLabelled => ClassNames is not null && Labels.All(l => l != ImageTextSample.NoLabel);

    /// <summary>The first <paramref name="count"/> rows (all of them when there are fewer), as a new set.</summary>
    public FeatureSet Take(int count)
    {
        int rows = Math.Min(count, Count);
        var items = Items is null ? null : Items with { Ids = Items.Ids.Take(rows).ToArray(), Positions = Items.Positions.Take(rows).ToArray() };
        return new FeatureSet(ImageFeatures.narrow(0, 0, rows).clone(), Labels.Take(rows).ToArray(), Captions.Take(rows).ToArray(), ClassNames, Model, Dataset, items,
            TextFeatures?.narrow(0, 0, rows).clone());
    }

    public void Save(string path)
    {
        Embeddings.FiniteEmbeddings.Require(ImageFeatures, i => $"{Dataset} (row {i}{(Captions.Count > i && Captions[i].Count > 0 ? $", \"{Captions[i][0]}\"" : "")})", Model);
        using var labels = tensor(Labels.ToArray());
        using var positions = Items is null ? null : tensor(Items.Positions.ToArray());
        var tensors = new Dictionary<string, Tensor> { [FeaturesTensor] = ImageFeatures, [LabelsTensor] = labels };
        if (TextFeatures is not null) tensors[TextFeaturesTensor] = TextFeatures;
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            ["model"] = Model,
            ["dataset"] = Dataset,
            ["class_names"] = JsonSerializer.Serialize(ClassNames),
            ["captions"] = JsonSerializer.Serialize(Captions),
        };
        if (Items is not null)
        {
            tensors[PositionsTensor] = positions!;
            metadata["ids"] = JsonSerializer.Serialize(Items.Ids);
            metadata["shard"] = Items.Shard.ToString();
        }
        SafeTensorsWriter.Write(path, tensors, metadata);
    }

    public static FeatureSet Load(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new ClipNetException($"{path}: not a ClipNet feature file (its metadata has no \"{FormatKey}\": \"{Format}\"); write one with `clip features`");
        var featuresInfo = file.Info(FeaturesTensor);
        var labelsInfo = file.Info(LabelsTensor);
        if (featuresInfo.DType != "F32" || featuresInfo.Shape.Length != 2)
            throw new ClipNetException($"{path}: '{FeaturesTensor}' must be F32 [images, dimension], but it is {featuresInfo.DType} [{string.Join(", ", featuresInfo.Shape)}]");
        if (labelsInfo.DType != "I64" || labelsInfo.Shape.Length != 1)
            throw new ClipNetException($"{path}: '{LabelsTensor}' must be I64 [images], but it is {labelsInfo.DType} [{string.Join(", ", labelsInfo.Shape)}]");
        var labels = file.Load(LabelsTensor).data<long>().ToArray();
        var captions = Metadata<string[][]>(file, "captions")
            ?? throw new ClipNetException($"{path}: the metadata \"captions\" is null; expected one list of captions per image");
        var classNames = Metadata<string[]>(file, "class_names");
        var items = file.Metadata.ContainsKey("ids") ? ReadItems(file) : null;
        if (file.Tensors.TryGetValue(TextFeaturesTensor, out var textInfo) && (textInfo.DType != "F32" || textInfo.Shape.Length != 2))
            throw new ClipNetException($"{path}: '{TextFeaturesTensor}' must be F32 [images, dimension], but it is {textInfo.DType} [{string.Join(", ", textInfo.Shape)}]");
        // Copies, so the set outlives the memory-mapped file.
        var features = file.Load(FeaturesTensor).clone();
        var textFeatures = file.Tensors.ContainsKey(TextFeaturesTensor) ? file.Load(TextFeaturesTensor).clone() : null;
        try
        {
            return new FeatureSet(features, labels, captions, classNames, Text(file, "model"), Text(file, "dataset"), items, textFeatures);
        }
        catch (ClipNetException e)
        {
            features.Dispose();
            textFeatures?.Dispose();
            throw new ClipNetException($"{path}: {e.Message}", e);
        }
    }

    static FeatureItems ReadItems(SafeTensorsFile file)
    {
        var ids = Metadata<string[]>(file, "ids") ?? throw new ClipNetException($"{file.Path}: the metadata \"ids\" is null; expected one id per image");
        var info = file.Info(PositionsTensor);
        if (info.DType != "I64" || info.Shape.Length != 1)
            throw new ClipNetException($"{file.Path}: '{PositionsTensor}' must be I64 [images], but it is {info.DType} [{string.Join(", ", info.Shape)}]");
        Shard shard;
        try
        {
            shard = Shard.Parse(Text(file, "shard"));
        }
        catch (ClipNetException e)
        {
            throw new ClipNetException($"{file.Path}: the metadata \"shard\": {e.Message}", e);
        }
        return new FeatureItems(ids, file.Load(PositionsTensor).data<long>().ToArray(), shard);
    }

    static string Text(SafeTensorsFile file, string key) =>
        file.Metadata.TryGetValue(key, out var text) ? text : throw new ClipNetException($"{file.Path}: the metadata has no \"{key}\"");

    static T? Metadata<T>(SafeTensorsFile file, string key) where T : class
    {
        string json = Text(file, key);
        try
        {
            return JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException e)
        {
            throw new ClipNetException($"{file.Path}: the metadata \"{key}\" is not valid JSON of the expected shape ({e.Message})", e);
        }
    }

    public void Dispose()
    {
        ImageFeatures.Dispose();
        TextFeatures?.Dispose();
    }
}

/// <summary>
/// The dataset items behind a <see cref="FeatureSet"/>'s rows: row i is the item with id <c>Ids[i]</c>
/// (<see cref="IImageTextDataset.Id"/>), at position <c>Positions[i]</c> of the whole dataset, and the rows are
/// <see cref="Shard"/> of it (<see cref="Shard.Whole"/> for all of it).
/// </summary>
public sealed record FeatureItems(IReadOnlyList<string> Ids, IReadOnlyList<long> Positions, Shard Shard);
