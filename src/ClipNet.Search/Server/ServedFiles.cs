namespace ClipNet.Search.Server;

/// <summary>
/// The only way the server reaches a photo on disk: by the id the index gave it. The path comes from the index,
/// never from the request, and is served only if, with every symbolic link on the way resolved, it still lies
/// inside one of the indexed folders (a photo swapped for a link to <c>/etc/passwd</c> after indexing is refused).
/// </summary>
public sealed class ServedFiles
{
    readonly IReadOnlyList<string> roots;

    /// <param name="indexedFolders">The folders the index was built from.</param>
    public ServedFiles(IEnumerable<string> indexedFolders) =>
        roots = indexedFolders.Select(f => RealPath(f)).OfType<string>()
            .Select(r => r.EndsWith(Path.DirectorySeparatorChar) ? r : r + Path.DirectorySeparatorChar).ToList();

    /// <summary>The real path of an indexed photo if it may be served, else null (the server answers 404).</summary>
    public string? Resolve(string indexedPath)
    {
        string? real = RealPath(indexedPath);
        if (real is null || !File.Exists(real)) return null;
        return roots.Any(root => real.StartsWith(root, StringComparison.Ordinal)) ? real : null;
    }

    /// <summary>
    /// The absolute path with every symbolic link resolved, component by component (a link to a folder counts as
    /// much as a link to a file); null when it cannot be resolved (a dangling link or a loop).
    /// </summary>
    public static string? RealPath(string path, int depth = 0)
    {
        if (depth > 40) return null;   // as the kernel's ELOOP limit: a cycle of links
        string full = Path.GetFullPath(path);
        string current = Path.GetPathRoot(full)!;
        foreach (string part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            string? resolved = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target), depth + 1);
            if (resolved is null) return null;
            current = resolved;
        }
        return current;
    }
}
