using System.CommandLine;
using ClipNet.Hub;

namespace ClipNet.Cli.Commands;

/// <summary>`clip cache list|verify`: what the shared Hugging Face cache holds, and whether its blobs are intact.</summary>
public static class CacheCommand
{
    public static Command Create() => new("cache", "Inspect the Hugging Face cache shared with Python tools ($HF_HUB_CACHE)")
    {
        List(),
        Verify(),
    };

    static Command List()
    {
        var command = new Command("list", "Cached repositories: revisions, snapshots, size on disk, partial downloads");
        command.SetAction(_ =>
        {
            var cache = new HubCache(HubSettings.FromEnvironment().CacheRoot);
            foreach (var repo in cache.List())
            {
                Console.WriteLine($"{repo.RepoId}  {DownloadProgressDisplay.Megabytes(repo.BlobBytes)}" +
                    (repo.IncompleteDownloads > 0 ? $", {repo.IncompleteDownloads} partial download(s)" : ""));
                foreach (var (revision, commit) in repo.Refs) Console.WriteLine($"  {revision} → {commit}");
                foreach (var (commit, files) in repo.Snapshots) Console.WriteLine($"  snapshot {commit}: {string.Join(", ", files)}");
            }
            Console.WriteLine($"cache: {cache.Root}");
            return 0;
        });
        return command;
    }

    static Command Verify()
    {
        var repoId = new Argument<string?>("repo") { Description = "Only this repository (org/name)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify", "Hash every cached blob against its name (sha256 for LFS files, git sha1 otherwise) and check every snapshot link") { repoId };
        command.SetAction(parse =>
        {
            var cache = new HubCache(HubSettings.FromEnvironment().CacheRoot);
            string? only = parse.GetValue(repoId);
            var repos = cache.List().Where(r => only is null || r.RepoId == only).ToList();
            if (only is not null && repos.Count == 0) throw new ClipNetException($"{only}: not in the cache at {cache.Root}");
            long total = repos.Sum(r => r.BlobBytes), done = 0;
            var problems = DownloadProgressDisplay.Run("verifying", progress =>
                cache.Verify(only, new ByteCounter(n => progress.Report(new DownloadProgress("verifying", done += n, total)))));
            foreach (var problem in problems) Console.WriteLine($"{problem.Path}: {problem.Problem}");
            if (problems.Count > 0) throw new ClipNetException($"{problems.Count} problem(s) in the cache at {cache.Root}");
            Console.WriteLine($"ok: {repos.Count} repositories, {DownloadProgressDisplay.Megabytes(total)} verified");
            return 0;
        });
        return command;
    }
}
