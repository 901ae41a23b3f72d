using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>
/// A CSV or TSV file with a header row, one image–caption pair per row (<c>.csv</c>: comma-separated,
/// anything else: tab-separated; quoted fields as in RFC 4180). Image paths are absolute or relative to the
/// manifest's folder. Rows naming the same image are one item with several captions, so an image captioned
/// five times is seen once per epoch, with one of its captions. Rows whose image file is missing are left
/// out and listed in <see cref="SkippedWhenOpened"/>.
/// </summary>
public sealed class ManifestDataset : IImageTextDataset
{
    sealed record Item(string ImagePath, string ImageText, int Line, List<string> Captions, string? ClassName);

    readonly IReadOnlyList<Item> items;
    readonly int[] labels;

    ManifestDataset(string name, IReadOnlyList<Item> items, IReadOnlyList<string>? classNames, IReadOnlyList<SkippedSample> skipped)
    {
        Name = name;
        this.items = items;
        ClassNames = classNames;
        SkippedWhenOpened = skipped;
        var classIndex = (classNames ?? []).Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        labels = [.. items.Select(i => i.ClassName is null ? ImageTextSample.NoLabel : classIndex[i.ClassName])];
    }

    public string Name { get; }
    public int Count => items.Count;
    public IReadOnlyList<string>? ClassNames { get; }
    public IReadOnlyList<SkippedSample> SkippedWhenOpened { get; }

    public static ManifestDataset Open(string path, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (Directory.Exists(path)) throw new ClipNetException($"{path}: is a folder, not a manifest file");
        if (!File.Exists(path)) throw new ClipNetException($"{path}: manifest file not found");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;

        using var records = DelimitedText.Read(path, DelimitedText.DelimiterFor(path)).GetEnumerator();
        if (!records.MoveNext()) throw new ClipNetException($"{path}: the manifest is empty (not even a header row)");
        var header = records.Current.Fields;
        int imageColumn = Column(path, header, options.ImageColumn, "image");
        int captionColumn = Column(path, header, options.CaptionColumn, "caption");
        int? labelColumn = options.LabelColumn is null ? null : Column(path, header, options.LabelColumn, "label");

        var items = new List<Item>();
        var byImage = new Dictionary<string, Item>(StringComparer.Ordinal);
        var skipped = new List<SkippedSample>();
        int rows = 0;
        while (records.MoveNext())
        {
            var (line, fields) = records.Current;
            rows++;
            if (fields.Length != header.Length)
                throw new ClipNetException(
                    $"{path} line {line}: {fields.Length} {(fields.Length == 1 ? "field" : "fields")}, but the header has {header.Length} " +
                    $"({string.Join(", ", header)}); check the delimiter ({(DelimitedText.DelimiterFor(path) == ',' ? "comma" : "tab")}) and that captions holding it are quoted");
            string imageText = fields[imageColumn].Trim(), caption = fields[captionColumn].Trim();
            string where = $"{path} line {line}";
            if (imageText.Length == 0) { skipped.Add(new SkippedSample(where, "no image path")); continue; }
            if (caption.Length == 0) { skipped.Add(new SkippedSample($"{where} ({imageText})", "empty caption")); continue; }
            string imagePath = Path.GetFullPath(imageText, folder);
            string? className = labelColumn is int l ? fields[l].Trim() : null;
            if (byImage.TryGetValue(imagePath, out var existing))
            {
                if (existing.ClassName != className)
                    throw new ClipNetException(
                        $"{path} line {line}: {imageText} has label '{className}', but line {existing.Line} gave it '{existing.ClassName}'");
                existing.Captions.Add(caption);
                continue;
            }
            var item = new Item(imagePath, imageText, line, [caption], className);
            byImage.Add(imagePath, item);
            items.Add(item);
        }
        if (rows == 0) throw new ClipNetException($"{path}: the manifest has a header but no rows; the dataset is empty");

        var present = new List<Item>(items.Count);
        foreach (var item in items)
        {
            if (File.Exists(item.ImagePath)) present.Add(item);
            else if (Directory.Exists(item.ImagePath)) skipped.Add(new SkippedSample($"{path} line {item.Line} ({item.ImageText})", $"a folder, not an image file: {item.ImagePath}"));
            else skipped.Add(new SkippedSample($"{path} line {item.Line} ({item.ImageText})", $"image file not found: {item.ImagePath}"));
        }
        if (present.Count == 0)
        {
            if (items.Count == 0) throw new ClipNetException($"{path}: no row has both an image path and a caption; the dataset is empty");
            throw new ClipNetException(
                $"{path}: none of the {items.Count} images it lists exists (the first, on line {items[0].Line}, is {items[0].ImagePath}); " +
                $"relative paths are resolved against {folder}");
        }
        IReadOnlyList<string>? classNames = labelColumn is null ? null
            : [.. present.Select(i => i.ClassName!).Distinct().Order(StringComparer.Ordinal)];
        return new ManifestDataset(path, present, classNames, skipped);
    }

    public ImageTextSample Load(int index)
    {
        var item = items[index];
        return new ImageTextSample(ImageDecoder.Decode(item.ImagePath), item.Captions, labels[index]);
    }

    public string Describe(int index) => $"{Name} line {items[index].Line} ({items[index].ImageText})";

    public string Id(int index) => items[index].ImageText;

    static int Column(string path, string[] header, string name, string role)
    {
        int index = Array.IndexOf(header, name);
        if (index < 0) index = Array.FindIndex(header, h => h.Trim().Equals(name, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : throw new ClipNetException(
            $"{path}: no column named '{name}' for the {role} in the header (columns: {string.Join(", ", header)}); choose the {role} column by name");
    }
}
