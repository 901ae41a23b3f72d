using System.Security.Cryptography;
using System.Text;
using ClipNet.IO;

namespace ClipNet.Hub;

/// <summary>A repository as the cache holds it: the revisions it knows, its snapshots and what its blobs take on disk.</summary>
public sealed record CachedRepo(string RepoId, string Folder, IReadOnlyDictionary<string, string> Refs,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Snapshots, long BlobBytes, int IncompleteDownloads);

/// <summary>A cache entry that is wrong: a blob whose content does not match its name, a link to nothing.</summary>
public sealed record CacheProblem(string Path, string Problem);

/// <summary>
/// The cache layout huggingface_hub writes and reads, so files either tool downloaded serve the other:
/// <code>
/// {root}/models--{org}--{name}/blobs/{etag}                  the content, named by its ETag (sha256 for LFS files, git sha1 otherwise)
/// {root}/models--{org}--{name}/snapshots/{commit}/{path}     relative symlinks to ../../blobs/{etag}
/// {root}/models--{org}--{name}/refs/{revision}               the commit a branch or tag pointed to when last asked
/// {root}/.locks/models--{org}--{name}/{etag}.lock            held while one process downloads that blob
/// </code>
/// </summary>
public sealed class HubCache(string root)
{
    public string Root { get; } = root;

    public string RepoFolder(string repoId) => Path.Combine(Root, "models--" + repoId.Replace("/", "--"));
    public string BlobPath(string repoId, string etag) => Path.Combine(RepoFolder(repoId), "blobs", etag);
    public string LockPath(string repoId, string etag) => Path.Combine(Root, ".locks", "models--" + repoId.Replace("/", "--"), etag + ".lock");
    public string SnapshotFolder(string repoId, string commit) => Path.Combine(RepoFolder(repoId), "snapshots", commit);
    public string SnapshotPath(string repoId, string commit, string file) => Path.Combine(SnapshotFolder(repoId, commit), file);

    public static bool IsCommitHash(string revision) => revision.Length == 40 && revision.All(Uri.IsHexDigit);

    /// <summary>The commit a revision names locally: itself when it is a full hash with a snapshot, else what refs/ recorded; null if unknown.</summary>
    public string? ResolveCommit(string repoId, string revision)
    {
        if (IsCommitHash(revision)) return Directory.Exists(SnapshotFolder(repoId, revision)) ? revision : null;
        string reference = Path.Combine(RepoFolder(repoId), "refs", revision);
        return File.Exists(reference) && File.ReadAllText(reference).Trim() is { Length: > 0 } commit ? commit : null;
    }

    /// <summary>Records where a branch or tag points, atomically, as huggingface_hub does (a commit hash needs no ref).</summary>
    public void WriteRef(string repoId, string revision, string commit)
    {
        if (revision == commit) return;
        string reference = Path.Combine(RepoFolder(repoId), "refs", revision);
        if (File.Exists(reference) && File.ReadAllText(reference) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(reference)!);   // a revision like refs/pr/1 nests
        AtomicFile.WriteAllText(reference, commit);
    }

    /// <summary>Points snapshots/{commit}/{file} at its blob with a relative link, so the cache can be moved or shared.</summary>
    public string Link(string repoId, string commit, string file, string etag)
    {
        string pointer = SnapshotPath(repoId, commit, file);
        string blob = BlobPath(repoId, etag);
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        string target = Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob);
        var existing = new FileInfo(pointer);
        if (existing.LinkTarget == target) return pointer;
        if (existing.Exists || existing.LinkTarget is not null) existing.Delete();
        File.CreateSymbolicLink(pointer, target);
        return pointer;
    }

    public IReadOnlyList<CachedRepo> List()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.EnumerateDirectories(Root, "models--*").Order(StringComparer.Ordinal).Select(Describe).ToList();
    }

    CachedRepo Describe(string folder)
    {
        string repoId = string.Join('/', Path.GetFileName(folder).Split("--").Skip(1));
        string refsFolder = Path.Combine(folder, "refs"), snapshotsFolder = Path.Combine(folder, "snapshots"), blobsFolder = Path.Combine(folder, "blobs");
        var refs = Directory.Exists(refsFolder)
            ? Directory.EnumerateFiles(refsFolder, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(refsFolder, f), f => File.ReadAllText(f).Trim())
            : new Dictionary<string, string>();
        var snapshots = Directory.Exists(snapshotsFolder)
            ? Directory.EnumerateDirectories(snapshotsFolder).ToDictionary(s => Path.GetFileName(s),
                s => (IReadOnlyList<string>)SnapshotFiles(s).Select(f => Path.GetRelativePath(s, f)).Order(StringComparer.Ordinal).ToList())
            : new Dictionary<string, IReadOnlyList<string>>();
        var blobs = Directory.Exists(blobsFolder) ? new DirectoryInfo(blobsFolder).GetFiles() : [];
        return new CachedRepo(repoId, folder, refs, snapshots,
            blobs.Where(b => b.Extension != ".incomplete").Sum(b => b.Length), blobs.Count(b => b.Extension == ".incomplete"));
    }

    static IEnumerable<string> SnapshotFiles(string snapshot) =>
        Directory.EnumerateFileSystemEntries(snapshot, "*", SearchOption.AllDirectories)
            .Where(p => !Directory.Exists(p) || new FileInfo(p).LinkTarget is not null);

    /// <summary>
    /// Checks every blob against its name (sha256 for LFS blobs, git's blob sha1 for the others) and every snapshot
    /// entry for a target; reports each mismatch, dangling link and left-over partial download.
    /// </summary>
    public IReadOnlyList<CacheProblem> Verify(string? repoId = null, IProgress<long>? bytesRead = null)
    {
        var problems = new List<CacheProblem>();
        foreach (var repo in List().Where(r => repoId is null || r.RepoId == repoId))
        {
            string blobs = Path.Combine(repo.Folder, "blobs");
            if (Directory.Exists(blobs))
                foreach (var blob in new DirectoryInfo(blobs).GetFiles().OrderBy(b => b.Name, StringComparer.Ordinal))
                {
                    if (blob.Extension == ".incomplete") { problems.Add(new(blob.FullName, "partial download (resumes on the next download, or delete it)")); continue; }
                    string? actual = ContentHash(blob.FullName, blob.Name, bytesRead);
                    if (actual is not null && actual != blob.Name) problems.Add(new(blob.FullName, $"content hashes to {actual}, not its name"));
                }
            foreach (var (commit, files) in repo.Snapshots)
                foreach (string file in files)
                {
                    string path = Path.Combine(repo.Folder, "snapshots", commit, file);
                    if (!File.Exists(path)) problems.Add(new(path, $"links to {new FileInfo(path).LinkTarget}, which does not exist"));
                }
        }
        return problems;
    }

    /// <summary>The hash of the kind the name is (64 hex digits: sha256; 40: git blob sha1); null for names that are neither.</summary>
    static string? ContentHash(string path, string name, IProgress<long>? bytesRead)
    {
        if (!name.All(Uri.IsHexDigit)) return null;
        if (name.Length == 64) return Sha256(path, bytesRead);
        if (name.Length != 40) return null;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {new FileInfo(path).Length}\0"));
        return HashFile(hash, path, bytesRead);
    }

    public static string Sha256(string path, IProgress<long>? bytesRead = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        return HashFile(hash, path, bytesRead);
    }

    static string HashFile(IncrementalHash hash, string path, IProgress<long>? bytesRead)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 20];
        for (int read; (read = stream.Read(buffer)) > 0;)
        {
            hash.AppendData(buffer, 0, read);
            bytesRead?.Report(read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
