using System.CommandLine;
using ClipNet.Hub;

namespace ClipNet.Cli.Commands;

/// <summary>`clip download REPO_ID [--revision REV]`: a model's files into the shared Hugging Face cache.</summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("repo") { Description = "Hub repository (openai/clip-vit-base-patch32), hf-hub:org/name, or an open_clip name (ViT-B-32:laion2b_s34b_b79k)" };
        var revision = new Option<string?>("--revision") { Description = "Branch, tag or commit (default: main, or the @revision in the name)" };
        var command = new Command("download", "Download a model's config, weights and tokenizer into the Hugging Face cache ($HF_HUB_CACHE)") { name, revision };
        command.SetAction(parse =>
        {
            string reference = parse.GetValue(name)!;
            var (request, _) = ModelReference.Parse(reference)
                ?? throw new ClipNetException($"'{reference}': not a hub repository id (org/name), hf-hub:org/name or ARCH:tag name");
            if (parse.GetValue(revision) is { } rev) request = request with { Revision = rev };
            var result = DownloadProgressDisplay.Run($"{request.RepoId}@{request.Revision}",
                progress => HubDownload.Download(request, HubSettings.FromEnvironment(), progress));
            Console.WriteLine($"{result.RepoId}@{request.Revision} is commit {result.Commit}: {result.Files.Count} files, " +
                (result.BytesDownloaded > 0 ? $"{DownloadProgressDisplay.Megabytes(result.BytesDownloaded)} downloaded" : "all already in the cache"));
            Console.WriteLine(result.SnapshotFolder);
            return 0;
        });
        return command;
    }
}
