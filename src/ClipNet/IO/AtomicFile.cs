using System.Runtime.InteropServices;
using System.Text;

namespace ClipNet.IO;

/// <summary>
/// The one atomic writer. Files and folders are written under a hidden temporary name beside the target, flushed
/// and renamed into place, so a reader — or the next run after a kill — sees the old content or the new, never
/// half of it. Temporary names start with '.' and end in <see cref="TemporarySuffix"/>. A file is written into a folder
/// that exists; a folder is written with its parent folders created.
/// </summary>
public static class AtomicFile
{
    public const string TemporarySuffix = ".tmp";
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents) => Write(path, stream => stream.Write(Utf8.GetBytes(contents)));

    public static void WriteAllBytes(string path, byte[] contents) => Write(path, stream => stream.Write(contents));

    /// <summary>Writes the file through a stream that is flushed to disk before the rename.</summary>
    public static void Write(string path, Action<Stream> write) => WriteVia(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>For writers that only take a path (a plotting library's SavePng): they write the temporary file.</summary>
    public static void WriteVia(string path, Action<string> writeTemporary)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        // A file goes into a folder that exists: a mistyped --out should not grow a tree of new folders.
        if (!Directory.Exists(directory)) throw new ClipNetException($"{path}: cannot write: the folder {directory} does not exist");
        RemoveLeftovers(directory, Path.GetFileName(fullPath));
        string temporary = TemporaryBeside(fullPath);
        ThroughTemporary(path, temporary, () =>
        {
            writeTemporary(temporary);
            File.Move(temporary, fullPath, overwrite: true);
        });
    }

    /// <summary>
    /// Fills a temporary folder and puts it in place of <paramref name="path"/>. An existing folder there is swapped
    /// out in one step (Linux renameat2 RENAME_EXCHANGE) and deleted only afterwards, so a kill at any moment leaves
    /// either the complete old folder or the complete new one under the real name.
    /// </summary>
    public static void WriteDirectory(string path, Action<string> fillTemporary)
    {
        string fullPath = Path.GetFullPath(path.TrimEnd('/', '\\'));
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        RemoveLeftovers(Path.GetDirectoryName(fullPath)!, Path.GetFileName(fullPath));
        string temporary = TemporaryBeside(fullPath);
        ThroughTemporary(path, temporary, () =>
        {
            Directory.CreateDirectory(temporary);
            fillTemporary(temporary);
            if (!Directory.Exists(fullPath)) Directory.Move(temporary, fullPath);
            else if (Exchange(temporary, fullPath)) Directory.Delete(temporary, recursive: true);   // now holds the old folder
            else
            {
                string old = TemporaryBeside(fullPath);
                Directory.Move(fullPath, old);
                Directory.Move(temporary, fullPath);
                Directory.Delete(old, recursive: true);
            }
        });
    }

    /// <summary>Runs a write through <paramref name="temporary"/>; on any failure the temporary is deleted, and I/O failures name <paramref name="path"/>.</summary>
    static void ThroughTemporary(string path, string temporary, Action write)
    {
        try { write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temporary);
            throw new ClipNetException($"{path}: cannot write ({e.Message})", e);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes what killed writers left in <paramref name="folder"/>: temporary files and folders of this writer's
    /// naming (of <paramref name="target"/> only, when given). Called before each write, so the next run cleans up
    /// after a kill; returns how many were removed.
    /// </summary>
    public static int RemoveLeftovers(string folder, string? target = null)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder, $".{target ?? "*"}.*{TemporarySuffix}"))
        {
            string name = Path.GetFileName(entry);
            // .<target>.<32 hex digits>.tmp, nothing else: a user's own dot-file is never touched.
            string[] parts = name[1..^TemporarySuffix.Length].Split('.');
            if (parts.Length < 2 || parts[^1].Length != 32 || !parts[^1].All(char.IsAsciiHexDigitLower)) continue;
            if (target is not null && string.Join('.', parts[..^1]) != target) continue;
            DeleteQuietly(entry);
            removed++;
        }
        return removed;
    }

    static string TemporaryBeside(string fullPath)
    {
        string directory = Path.GetDirectoryName(fullPath)!;
        return Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}{TemporarySuffix}");
    }

    static void DeleteQuietly(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
            else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    const int CurrentDirectory = -100;     // AT_FDCWD
    const uint RenameExchange = 2;         // RENAME_EXCHANGE

    [DllImport("libc", SetLastError = true, EntryPoint = "renameat2")]
    static extern int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    static bool Exchange(string a, string b)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return RenameAt2(CurrentDirectory, a, CurrentDirectory, b, RenameExchange) == 0; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
