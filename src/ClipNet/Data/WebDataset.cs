using System.Formats.Tar;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ClipNet.Vision;
using Microsoft.Win32.SafeHandles;

namespace ClipNet.Data;

/// <summary>
/// WebDataset tar shards, read in place without extracting. Files sharing a key (the path up to the first dot
/// of the file name: <c>dir/000123.jpg</c> and <c>dir/000123.txt</c> are sample <c>dir/000123</c>) form one
/// sample: the image from <c>.jpg</c>, <c>.jpeg</c>, <c>.png</c> or <c>.webp</c>; the caption from
/// <c>.txt</c> or from the <c>caption</c> or <c>text</c> field of <c>.json</c> (a string or a list of
/// strings); an optional integer label from <c>.cls</c>. Opening scans each shard's headers once, seeking
/// past the file data, and remembers where every member lies, so samples can then be read in any order.
/// </summary>
public sealed class WebDataset : IImageTextDataset
{
    public static readonly IReadOnlyList<string> ImageExtensions = ["jpg", "jpeg", "png", "webp"];
    public static readonly IReadOnlyList<string> CaptionExtensions = ["txt", "json"];
    const string LabelExtension = "cls";

    readonly record struct Member(string Extension, long Offset, int Length);
    sealed record Item(int Shard, string Key, Member Image, Member Caption, Member? Label);

    readonly IReadOnlyList<string> shards;
    readonly IReadOnlyList<Item> items;

    WebDataset(string name, IReadOnlyList<string> shards, IReadOnlyList<Item> items, IReadOnlyList<SkippedSample> skipped)
    {
        Name = name;
        this.shards = shards;
        this.items = items;
        SkippedWhenOpened = skipped;
    }

    public string Name { get; }
    public int Count => items.Count;
    public IReadOnlyList<string>? ClassNames => null;
    public IReadOnlyList<SkippedSample> SkippedWhenOpened { get; }
    public IReadOnlyList<string> Shards => shards;

    /// <summary>Opens one shard, a brace or wildcard pattern (<see cref="ShardPattern"/>), or a folder of <c>.tar</c> files.</summary>
    public static WebDataset Open(string pathOrPattern)
    {
        IReadOnlyList<string> shards;
        if (Directory.Exists(pathOrPattern))
        {
            shards = [.. Directory.GetFiles(pathOrPattern, "*.tar").Order(StringComparer.Ordinal)];
            if (shards.Count == 0) throw new ClipNetException($"{pathOrPattern}: no .tar shards in this folder");
        }
        else shards = ShardPattern.Expand(pathOrPattern);
        return Open(pathOrPattern, shards);
    }

    public static WebDataset Open(string name, IReadOnlyList<string> shards)
    {
        var items = new List<Item>();
        var skipped = new List<SkippedSample>();
        for (int s = 0; s < shards.Count; s++)
            foreach (var (key, members) in ScanShard(shards[s], skipped))
            {
                var image = First(members, ImageExtensions);
                var caption = First(members, CaptionExtensions);
                if (image is null)
                    skipped.Add(new SkippedSample($"{shards[s]}:{key}", $"no image ({string.Join(", ", ImageExtensions.Select(e => "." + e))})"));
                else if (caption is null)
                    skipped.Add(new SkippedSample($"{shards[s]}:{key}", "no caption (.txt or .json)"));
                else
                    items.Add(new Item(s, key, image.Value, caption.Value, First(members, [LabelExtension])));
            }
        if (items.Count == 0)
            throw new ClipNetException(
                $"{name}: no sample with both an image and a caption in {shards.Count} shard{(shards.Count == 1 ? "" : "s")}" +
                (skipped.Count > 0 ? $" (first problem: {skipped[0]})" : "") + "; the dataset is empty");
        return new WebDataset(name, shards, items, skipped);
    }

    public ImageTextSample Load(int index)
    {
        var item = items[index];
        string shard = shards[item.Shard];
        using var handle = OpenShard(shard);
        var image = ImageDecoder.Decode(ReadMember(handle, shard, item.Key, item.Image), $"{shard}:{item.Key}.{item.Image.Extension}");
        var captions = Captions(ReadMember(handle, shard, item.Key, item.Caption), $"{shard}:{item.Key}.{item.Caption.Extension}", item.Caption.Extension);
        int label = item.Label is Member cls ? Label(ReadMember(handle, shard, item.Key, cls), $"{shard}:{item.Key}.cls") : ImageTextSample.NoLabel;
        return new ImageTextSample(image, captions, label);
    }

    public string Describe(int index) => $"{shards[items[index].Shard]}:{items[index].Key}";

    public string Id(int index) => $"{Path.GetFileName(shards[items[index].Shard])}:{items[index].Key}";

    /// <summary>The members of each sample key in the order keys first appear, by lower-case extension.</summary>
    /// Members named like a sample's part that are not regular files (a directory, a link) are listed in
    /// <paramref name="skipped"/> rather than passed over without a word.
    static List<(string Key, Dictionary<string, Member> Members)> ScanShard(string shard, List<SkippedSample> skipped)
    {
        var samples = new List<(string, Dictionary<string, Member>)>();
        var byKey = new Dictionary<string, Dictionary<string, Member>>(StringComparer.Ordinal);
        try
        {
            using var stream = new FileStream(shard, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new TarReader(stream);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (SplitName(entry.Name.TrimEnd('/')) is not var (key, extension)) continue;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    if (entry.EntryType is not (TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes))
                        skipped.Add(new SkippedSample($"{shard}:{entry.Name}", $"a {entry.EntryType} member, not a file"));
                    continue;
                }
                if (entry.Length > int.MaxValue) throw new ClipNetException($"{shard}: member {entry.Name} is larger than 2 GiB");
                if (!byKey.TryGetValue(key, out var members))
                {
                    members = [];
                    byKey.Add(key, members);
                    samples.Add((key, members));
                }
                members[extension] = new Member(extension, entry.DataOffset, (int)entry.Length);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ClipNetException($"{shard}: not a readable tar file ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"{shard}: cannot read the shard ({e.Message})", e);
        }
        return samples;
    }

    static Member? First(Dictionary<string, Member> members, IEnumerable<string> extensions) =>
        extensions.Where(members.ContainsKey).Select(e => (Member?)members[e]).FirstOrDefault();

    /// <summary>WebDataset's split of a member name into sample key and extension; null for names without one.</summary>
    static (string Key, string Extension)? SplitName(string name)
    {
        int slash = name.LastIndexOf('/');
        int dot = name.IndexOf('.', slash + 1);
        if (dot <= slash + 1 || dot == name.Length - 1) return null;
        return (name[..dot], name[(dot + 1)..].ToLowerInvariant());
    }

    static SafeFileHandle OpenShard(string shard)
    {
        try
        {
            return File.OpenHandle(shard, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"{shard}: cannot read the shard ({e.Message})", e);
        }
    }

    static byte[] ReadMember(SafeFileHandle handle, string shard, string key, Member member)
    {
        var bytes = new byte[member.Length];
        int done = 0;
        while (done < bytes.Length)
        {
            int read = RandomAccess.Read(handle, bytes.AsSpan(done), member.Offset + done);
            if (read == 0) throw new ClipNetException($"{shard}:{key}.{member.Extension}: the shard ends inside this member (truncated file?)");
            done += read;
        }
        return bytes;
    }

    static IReadOnlyList<string> Captions(byte[] bytes, string name, string extension)
    {
        string text = new UTF8Encoding(false, false).GetString(bytes);
        if (extension == "txt")
            return text.Trim() is { Length: > 0 } caption ? [caption] : throw new ClipNetException($"{name}: empty caption");
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
                foreach (var field in new[] { "caption", "text" })
                    if (root.TryGetProperty(field, out var value) && CaptionStrings(value) is { Count: > 0 } captions)
                        return captions;
        }
        catch (JsonException e)
        {
            throw new ClipNetException($"{name}: not valid JSON ({e.Message})", e);
        }
        throw new ClipNetException($"{name}: no non-empty \"caption\" or \"text\" field (a string or a list of strings)");
    }

    static List<string>? CaptionStrings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [.. new[] { value.GetString()!.Trim() }.Where(s => s.Length > 0)],
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            [.. value.EnumerateArray().Select(e => e.GetString()!.Trim()).Where(s => s.Length > 0)],
        _ => null,
    };

    static int Label(byte[] bytes, string name) =>
        int.TryParse(Encoding.UTF8.GetString(bytes).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) && label >= 0
            ? label
            : throw new ClipNetException($"{name}: not a non-negative integer class label");
}
