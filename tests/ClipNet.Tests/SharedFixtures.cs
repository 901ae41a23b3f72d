namespace ClipNet.Tests;

/// <summary>
/// Finds `../shared` (reference fixtures and datasets) next to the repository root. The tests never
/// copy it into the repository; when it is missing they fail with a message that says where it was looked for.
/// </summary>
public static class SharedFixtures
{
    static readonly Lazy<string> root = new(FindRoot);
    static readonly Lazy<string> repositoryRoot = new(FindRepositoryRoot);

    /// <summary>The folder holding ClipNet.sln.</summary>
    public static string RepositoryRoot => repositoryRoot.Value;

    public static string Root => root.Value;
    public static string Fixtures => Path.Combine(Root, "fixtures");
    public static string Data => Path.Combine(Root, "data");

    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);
    public static string DataPath(params string[] parts) => Path.Combine([Data, .. parts]);

    static string FindRoot()
    {
        string? overridden = Environment.GetEnvironmentVariable("CLIPNET_SHARED");
        if (!string.IsNullOrEmpty(overridden)) return Require(overridden);
        return Require(Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared")));
    }

    static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ClipNet.sln"))) return dir.FullName;
        throw new InvalidOperationException(
            $"Could not find the repository root (ClipNet.sln) above {AppContext.BaseDirectory}; set CLIPNET_SHARED to the shared folder.");
    }

    static string Require(string path) =>
        Directory.Exists(Path.Combine(path, "fixtures"))
            ? path
            : throw new InvalidOperationException(
                $"The shared reference data was not found at {path}. The tests need ../shared (fixtures/ and data/) beside the repository root, or CLIPNET_SHARED pointing at it.");
}
