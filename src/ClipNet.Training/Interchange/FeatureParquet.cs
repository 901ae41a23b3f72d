using System.Text.Json;
using ClipNet.Data;
using ClipNet.Evaluation;
using ClipNet.IO;
using Parquet;
using Parquet.Schema;
using static TorchSharp.torch;

namespace ClipNet.Interchange;

/// <summary>
/// A <see cref="FeatureSet"/> as one Parquet table, one row per item, for engines that read Parquet directly
/// (DuckDB, LanceDB, Spark, pandas): <c>id</c> (string), <c>caption</c> (its first caption, or null),
/// <c>position</c> (int64, the item's place in the whole dataset), <c>label</c> (int32 class index, or null) and
/// <c>class</c> (the class name, or null), and <c>embedding</c>: a list of exactly D float32 values, the raw
/// image embedding as in the safetensors feature file; when the captions were embedded, <c>text_embedding</c>, the
/// raw embedding of the row's <c>caption</c>, alike. (Parquet.Net 6.1.0 throws NotSupportedException for
/// System.Half and has no FIXED_LEN_BYTE_ARRAY field to carry Parquet's FLOAT16 annotation, so the table is
/// float32; clip-retrieval's .npy files can be float16.) The file's key–value metadata holds
/// the format tag, model, dataset, shard and class names, so <see cref="Read"/> gives the set back.
/// </summary>
public static class FeatureParquet
{
    const string FormatKey = "clipnet.format", Format = "clipnet-features/1";
    const int MaxDimension = 1 << 16;   // far above any CLIP embedding (4096 at most today)

    /// <summary>The columns before the embedding, in order; clip-retrieval's metadata names the id column <c>image_path</c>.</summary>
    internal sealed record ItemColumns(DataField<string> Id)
    {
        public DataField<string> Caption { get; } = new("caption", nullable: true);
        public DataField<long> Position { get; } = new("position", nullable: false);
        public DataField<int?> Label { get; } = new("label", nullable: true);
        public DataField<string> Class { get; } = new("class", nullable: true);

        public Field[] Fields => [Id, Caption, Position, Label, Class];

        public void Write(ParquetRowGroupWriter group, FeatureSet features, FeatureItems items)
        {
            group.WriteAsync(Id, items.Ids.ToArray()).GetAwaiter().GetResult();
            group.WriteAsync(Caption, features.Captions.Select(c => c.Count > 0 ? c[0] : null).ToArray()).GetAwaiter().GetResult();
            group.WriteAsync<long>(Position, items.Positions.ToArray().AsMemory()).GetAwaiter().GetResult();
            group.WriteAsync<int>(Label, features.Labels.Select(l => l == ImageTextSample.NoLabel ? (int?)null : (int)l).ToArray().AsMemory()).GetAwaiter().GetResult();
            group.WriteAsync(Class, features.Labels.Select(l => l == ImageTextSample.NoLabel || features.ClassNames is null ? null : features.ClassNames[(int)l]).ToArray())
                .GetAwaiter().GetResult();
        }
    }

    static readonly ItemColumns Columns = new(new DataField<string>("id", nullable: false));

    const string ImageColumn = "embedding", TextColumn = "text_embedding";

    public static void Write(FeatureSet features, string path)
    {
        var items = RequireItems(features, path);
        var image = new EmbeddingList(ImageColumn);
        var text = features.TextFeatures is null ? null : new EmbeddingList(TextColumn);
        var schema = new ParquetSchema([.. Columns.Fields, image.Field, .. (text is null ? Array.Empty<Field>() : [text.Field])]);
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            ["clipnet.model"] = features.Model,
            ["clipnet.dataset"] = features.Dataset,
            ["clipnet.shard"] = items.Shard.ToString(),
            ["clipnet.class_names"] = JsonSerializer.Serialize(features.ClassNames),
        };
        AtomicFile.Write(path, stream => WriteTable(stream, schema, metadata, group =>
        {
            Columns.Write(group, features, items);
            image.Write(group, features.ImageFeatures);
            text?.Write(group, features.TextFeatures!);
        }));
    }

    /// <summary>A column of one float32 list per row, all of the matrix's width: Parquet's LIST of non-null FLOAT.</summary>
    sealed class EmbeddingList
    {
        readonly DataField<float> element = new("element", nullable: false);

        public ListField Field { get; }

        public EmbeddingList(string name) => Field = new ListField(name, element);

        public void Write(ParquetRowGroupWriter group, Tensor matrix)
        {
            int dimension = (int)matrix.shape[1];
            float[] values;
            using (NewDisposeScope()) values = matrix.contiguous().data<float>().ToArray();
            // Each row starts a new list (repetition level 0); its other D − 1 values continue it (level 1).
            var repetition = new int[values.Length];
            for (int i = 0; i < values.Length; i++) repetition[i] = i % dimension == 0 ? 0 : 1;
            // No list and no value is null: every value is defined down to the element.
            var definition = Enumerable.Repeat(element.MaxDefinitionLevel, values.Length).ToArray();
            group.WriteAllPartsAsync<float>(element, values.AsMemory(), definition.AsMemory(), repetition.AsMemory(), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes a one-row-group table; <paramref name="writeColumns"/> writes its columns in schema order.</summary>
    internal static void WriteTable(Stream stream, ParquetSchema schema, Dictionary<string, string>? metadata, Action<ParquetRowGroupWriter> writeColumns)
    {
        var writer = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
        try
        {
            if (metadata is not null) writer.CustomMetadata = metadata;
            using var group = writer.CreateRowGroup();
            writeColumns(group);
            group.CompleteValidate();
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads a file written by <see cref="Write"/>.</summary>
    public static FeatureSet Read(string path)
    {
        if (!File.Exists(path)) throw new ClipNetException($"{path}: file not found");
        ParquetReader reader;
        try
        {
            reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new ClipNetException($"{path}: not a readable Parquet file ({e.Message})", e);
        }
        try
        {
            return ReadFeatures(path, reader);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new ClipNetException($"{path}: cannot read this feature table ({e.Message})", e);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    static FeatureSet ReadFeatures(string path, ParquetReader reader)
    {
        var metadata = reader.CustomMetadata;
        if (!metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new ClipNetException($"{path}: not a ClipNet feature table (its metadata has no \"{FormatKey}\": \"{Format}\"); write one with `clip features --format parquet`");
        if (reader.RowGroupCount != 1) throw new ClipNetException($"{path}: {reader.RowGroupCount} row groups; a ClipNet feature table has one");
        var fields = reader.Schema.DataFields.ToDictionary(f => f.Path.ToString(), f => f);
        using var group = reader.OpenRowGroupReader(0);
        // Bounded before allocation: every row stores at least its own id, so a table has fewer rows than bytes.
        long fileBytes = new FileInfo(path).Length;
        if (group.RowCount < 1 || group.RowCount > fileBytes)
            throw new ClipNetException($"{path}: claims {group.RowCount} rows in a file of {fileBytes} bytes");
        int rows = (int)group.RowCount;
        var ids = ReadStrings(group, Column(path, fields, "id"), rows);
        var captions = ReadStrings(group, Column(path, fields, "caption"), rows);
        if (Array.IndexOf(ids, null) is int missing and >= 0) throw new ClipNetException($"{path}: row {missing} has no id");
        var positions = new long[rows];
        group.ReadAsync<long>(Column(path, fields, "position"), positions.AsMemory()).GetAwaiter().GetResult();
        var labels = new int?[rows];
        group.ReadAsync<int>(Column(path, fields, "label"), labels.AsMemory()).GetAwaiter().GetResult();
        DataField? ListElements(string name) => fields.Values.FirstOrDefault(f => f.Path.FirstPart == name);
        var (values, dimension) = ReadEmbedding(path, group, ListElements(ImageColumn) ?? throw new ClipNetException($"{path}: no '{ImageColumn}' column"), rows);
        Tensor? textFeatures = null;
        if (ListElements(TextColumn) is { } textField)
        {
            var (texts, textDimension) = ReadEmbedding(path, group, textField, rows);
            if (textDimension != dimension)
                throw new ClipNetException($"{path}: the '{TextColumn}' lists hold {textDimension} values, the '{ImageColumn}' lists {dimension}");
            textFeatures = tensor(texts, [rows, dimension]);
        }

        var classNames = JsonSerializer.Deserialize<string[]?>(Required(path, metadata, "clipnet.class_names"));
        var items = new FeatureItems(ids!, positions, Shard.Parse(Required(path, metadata, "clipnet.shard")));
        return new FeatureSet(tensor(values, [rows, dimension]), [.. labels.Select(l => (long)(l ?? ImageTextSample.NoLabel))],
            [.. captions.Select(c => (IReadOnlyList<string>)(c is null ? [] : [c]))], classNames,
            Required(path, metadata, "clipnet.model"), Required(path, metadata, "clipnet.dataset"), items, textFeatures);
    }

    static FeatureItems RequireItems(FeatureSet features, string path) => features.Items
        ?? throw new ClipNetException($"{path}: the features of {features.Dataset} carry no item ids (made before ids were recorded); embed the dataset again with `clip features`");

    static DataField Column(string path, Dictionary<string, DataField> fields, string name) =>
        fields.TryGetValue(name, out var field) ? field : throw new ClipNetException($"{path}: no '{name}' column");

    static string Required(string path, IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? value : throw new ClipNetException($"{path}: the file metadata has no \"{key}\"");

    static string?[] ReadStrings(ParquetRowGroupReader group, DataField field, int rows)
    {
        var values = new string?[rows];
        group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
        return values;
    }

    static (float[] Values, int Dimension) ReadEmbedding(string path, ParquetRowGroupReader group, DataField field, int rows)
    {
        long count = group.GetMetadata(field)?.MetaData?.NumValues ?? throw new ClipNetException($"{path}: the embedding column has no chunk metadata");
        // Embeddings hardly compress; a column claiming far more values than the file could hold is refused unread.
        long fileBytes = new FileInfo(path).Length;
        if (count > 64 * fileBytes) throw new ClipNetException($"{path}: claims {count} embedding values in a file of {fileBytes} bytes");
        string column = field.Path.FirstPart!;
        if (count % rows != 0 || count / rows > MaxDimension)
            throw new ClipNetException($"{path}: {count} '{column}' values do not split into {rows} rows of one length (at most {MaxDimension})");
        if (field.ClrType != typeof(float)) throw new ClipNetException($"{path}: '{column}' holds {field.ClrType.Name} values; expected float32");
        var values = new float[count];
        var repetition = new int[count];
        var definition = new int[count];
        group.ReadRawAsync<float>(field, values.AsMemory(), definition.AsMemory(), repetition.AsMemory()).GetAwaiter().GetResult();

        int dimension = (int)(count / rows);
        for (long i = 0; i < count; i++)
            if ((repetition[i] == 0) != (i % dimension == 0) || definition[i] != field.MaxDefinitionLevel)
                throw new ClipNetException($"{path}: the '{column}' lists are not all {dimension} values long, without nulls (row {i / dimension})");
        return (values, dimension);
    }
}
