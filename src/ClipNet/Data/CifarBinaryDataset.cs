using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>
/// The CIFAR-10 binary layout of the development sets: <c>images.bin</c> holds records of 3,073 bytes (a
/// label byte, then the 32 x 32 red, green and blue planes, row-major), <c>classes.txt</c> names label i on
/// line i, and an optional <c>captions.tsv</c> (header row, then <c>record&lt;TAB&gt;caption&lt;TAB&gt;…</c>)
/// captions records, several rows for one record giving several captions. Without captions.tsv the
/// captions are the prompt templates filled with the class name; with it, records it does not caption are
/// left out and listed in <see cref="SkippedWhenOpened"/>.
/// </summary>
public sealed class CifarBinaryDataset : IImageTextDataset
{
    public const int Side = 32;
    public const int RecordSize = 1 + 3 * Side * Side;

    readonly byte[] records;
    readonly IReadOnlyList<int> recordOfItem;
    readonly Func<int, IReadOnlyList<string>> captionsOfRecord;

    CifarBinaryDataset(string folder, byte[] records, IReadOnlyList<string> classNames, IReadOnlyList<int> recordOfItem,
        Func<int, IReadOnlyList<string>> captionsOfRecord, IReadOnlyList<SkippedSample> skipped)
    {
        Name = folder;
        this.records = records;
        ClassNames = classNames;
        this.recordOfItem = recordOfItem;
        this.captionsOfRecord = captionsOfRecord;
        SkippedWhenOpened = skipped;
    }

    public string Name { get; }
    public int Count => recordOfItem.Count;
    public IReadOnlyList<string>? ClassNames { get; }
    public IReadOnlyList<SkippedSample> SkippedWhenOpened { get; }

    /// <summary>True when <paramref name="folder"/> holds an <c>images.bin</c>.</summary>
    public static bool IsCifarFolder(string folder) => File.Exists(Path.Combine(folder, "images.bin"));

    public static CifarBinaryDataset Open(string folder, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        string binPath = Path.Combine(folder, "images.bin"), classesPath = Path.Combine(folder, "classes.txt");
        if (!File.Exists(binPath)) throw new ClipNetException($"{folder}: no images.bin, so this is not a CIFAR-layout dataset");
        if (!File.Exists(classesPath)) throw new ClipNetException($"{folder}: images.bin needs classes.txt beside it to name its labels");
        var records = ReadBytes(binPath);
        if (records.Length == 0) throw new ClipNetException($"{binPath}: empty file; the dataset is empty");
        if (records.Length % RecordSize != 0)
            throw new ClipNetException($"{binPath}: {records.Length} bytes is not a whole number of {RecordSize}-byte records");
        int recordCount = records.Length / RecordSize;
        var classNames = File.ReadAllLines(classesPath).Where(l => l.Length > 0).ToList();
        for (int r = 0; r < recordCount; r++)
            if (records[r * RecordSize] >= classNames.Count)
                throw new ClipNetException($"{binPath}: record {r} has label {records[r * RecordSize]}, but {classesPath} names only {classNames.Count} classes");

        string captionsPath = Path.Combine(folder, "captions.tsv");
        if (!File.Exists(captionsPath))
        {
            if (options.Templates.Count == 0) throw new ClipNetException($"{folder}: without captions.tsv at least one prompt template is needed to caption the images");
            var byClass = classNames.Select(c => ClassPrompts.Fill(options.Templates, c)).ToList();
            return new CifarBinaryDataset(folder, records, classNames, Enumerable.Range(0, recordCount).ToList(),
                r => byClass[records[r * RecordSize]], []);
        }

        var captions = ReadCaptions(captionsPath, recordCount);
        var items = new List<int>(recordCount);
        var skipped = new List<SkippedSample>();
        for (int r = 0; r < recordCount; r++)
        {
            if (captions[r] is not null) items.Add(r);
            else skipped.Add(new SkippedSample(DescribeRecord(binPath, r), $"no caption in {captionsPath}"));
        }
        if (items.Count == 0) throw new ClipNetException($"{captionsPath}: captions no record of images.bin; the dataset is empty");
        return new CifarBinaryDataset(folder, records, classNames, items, r => captions[r]!, skipped);
    }

    public ImageTextSample Load(int index)
    {
        int record = recordOfItem[index], offset = record * RecordSize;
        const int plane = Side * Side;
        var rgb = new byte[3 * plane];
        for (int i = 0; i < plane; i++)
        {
            rgb[3 * i] = records[offset + 1 + i];
            rgb[3 * i + 1] = records[offset + 1 + plane + i];
            rgb[3 * i + 2] = records[offset + 1 + 2 * plane + i];
        }
        return new ImageTextSample(new DecodedImage(ImageMode.RGB, Side, Side, rgb), captionsOfRecord(record), records[offset]);
    }

    public string Describe(int index) => DescribeRecord(Path.Combine(Name, "images.bin"), recordOfItem[index]);

    static string DescribeRecord(string binPath, int record) => $"{binPath} record {record}";

    // The layout's captions.tsv is plain tab-separated text (its fields hold no tabs or line breaks), not quoted CSV.
    static List<string>?[] ReadCaptions(string path, int recordCount)
    {
        var captions = new List<string>?[recordCount];
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            if (++line == 1 || text.Length == 0) continue;
            var fields = text.Split('\t');
            if (fields.Length < 2)
                throw new ClipNetException($"{path} line {line}: expected record<TAB>caption, found no tab");
            if (!int.TryParse(fields[0], out int record) || record < 0 || record >= recordCount)
                throw new ClipNetException($"{path} line {line}: '{fields[0]}' is not a record number of images.bin (0 to {recordCount - 1})");
            string caption = fields[1].Trim();
            if (caption.Length > 0) (captions[record] ??= []).Add(caption);
        }
        return captions;
    }

    static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"{path}: cannot read the file ({e.Message})", e);
        }
    }
}
