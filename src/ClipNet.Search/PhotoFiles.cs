using System.Security.Cryptography;
using ClipNet.Data;

namespace ClipNet.Search;

/// <summary>
/// Finds the image files under folders: jpg, jpeg, png, webp, gif and bmp, by extension and whatever its case.
/// No symbolic link leads out of the folders: linked folders are not entered (their targets inside the
/// folders are walked anyway), and a linked file counts only when its target lies inside one of the folders.
/// </summary>
static class PhotoFiles
{
    static readonly Dictionary<string, string> TypeByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "jpg", [".jpeg"] = "jpg", [".png"] = "png", [".webp"] = "webp", [".gif"] = "gif", [".bmp"] = "bmp",
    };

    /// <summary>An image file as found: absolute path, type, size and modification time (UTC ticks).</summary>
    public sealed record FoundFile(string Path, string Type, long Size, long MtimeTicks);

    /// <summary>The file type a path is indexed as ("jpg" for .jpeg too), or null when it is not an image file.</summary>
    public static string? TypeOf(string path) => TypeByExtension.GetValueOrDefault(System.IO.Path.GetExtension(path));

    /// <summary>The absolute, normalised folder paths; a missing folder is an error.</summary>
    public static List<string> Roots(IReadOnlyList<string> folders)
    {
        if (folders.Count == 0) throw new ClipNetException("no folder to index");
        var roots = new List<string>();
        foreach (string folder in folders)
        {
            if (File.Exists(folder)) throw new ClipNetException($"{folder}: is a file, not a folder");
            if (!Directory.Exists(folder)) throw new ClipNetException($"{folder}: folder not found");
            roots.Add(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder)));
        }
        return roots;
    }

    public static bool IsUnder(string path, string root) =>
        path.StartsWith(root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal) || path == root;

    /// <summary>
    /// A file's stable id for sharding: its path relative to the outermost root that holds it, with <c>/</c>
    /// between names, so the same file has the same id on every machine and whatever order the folders are given in.
    /// </summary>
    public static string ShardId(string path, IReadOnlyList<string> roots)
    {
        string root = roots.Where(r => IsUnder(path, r)).MinBy(r => r.Length)
            ?? throw new ArgumentException($"{path} is under none of the indexed folders");
        return System.IO.Path.GetRelativePath(root, path).Replace(System.IO.Path.DirectorySeparatorChar, '/');
    }

    /// <summary>Whether the file at <paramref name="path"/> (under one of the roots) belongs to <paramref name="shard"/>.</summary>
    public static bool InShard(string path, IReadOnlyList<string> roots, Shard shard) => shard.IsWhole || shard.Contains(ShardId(path, roots));

    /// <summary>Every image file under the roots that belongs to <paramref name="shard"/>, each once, in ordinal path order.</summary>
    public static List<FoundFile> Walk(IReadOnlyList<string> roots, Shard shard)
    {
        var found = new Dictionary<string, FoundFile>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (string root in roots)
        {
            var pending = new Stack<string>([root]);
            while (pending.Count > 0)
            {
                string folder = pending.Pop();
                foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", options))
                {
                    bool isLink = entry.LinkTarget is not null;
                    if (entry is DirectoryInfo)
                    {
                        if (!isLink) pending.Push(entry.FullName);
                        continue;
                    }
                    if (TypeOf(entry.Name) is not { } type || found.ContainsKey(entry.FullName) || !InShard(entry.FullName, roots, shard)) continue;
                    var file = (FileInfo)entry;
                    if (isLink)
                    {
                        if (file.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true } target
                            || !roots.Any(r => IsUnder(target.FullName, r))) continue;
                        file = target;
                    }
                    found[entry.FullName] = new FoundFile(entry.FullName, type, file.Length, file.LastWriteTimeUtc.Ticks);
                }
            }
        }
        return [.. found.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    /// <summary>SHA-256 of the file's bytes, hex.</summary>
    public static string ContentHash(byte[] contents) => Convert.ToHexStringLower(SHA256.HashData(contents));

    public static string ContentHash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
