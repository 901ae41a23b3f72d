using System.Globalization;
using System.Text;

namespace ClipNet.Evaluation;

/// <summary>
/// Names a model's weights by where they are and which version of the files is there (full path, size and
/// modification time of every file), so cached results are reused for the same weights and dropped when the
/// files change. Cheap where hashing gigabytes of weights would not be.
/// </summary>
public static class ModelIdentity
{
    /// <summary>The identity of the model loaded from <paramref name="source"/>; null when it is not a file or folder (a model built in memory).</summary>
    public static string? Of(string source)
    {
        if (File.Exists(source)) return Describe(new FileInfo(source), Path.GetFullPath(source));
        if (!Directory.Exists(source)) return null;
        string root = Path.GetFullPath(source);
        var identity = new StringBuilder(root);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            identity.Append('\n').Append(Describe(new FileInfo(file), Path.GetRelativePath(root, file)));
        return identity.ToString();
    }

    static string Describe(FileInfo file, string name) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}|{file.Length}|{file.LastWriteTimeUtc.Ticks}");
}
