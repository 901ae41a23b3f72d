using System.CommandLine;
using ClipNet.Hub;
using ClipNet.Model;

namespace ClipNet.Cli.Commands;

/// <summary>`clip models`: the built-in architectures and open_clip's pretrained names, like open_clip.list_pretrained(), marking cached ones.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var cachedOnly = new Option<bool>("--cached") { Description = "Only the pretrained weights already in the cache" };
        var command = new Command("models", "List architectures and pretrained weights (ARCH:tag names for --model), marking those in the cache") { cachedOnly };
        command.SetAction(parse =>
        {
            var cache = new HubCache(HubSettings.FromEnvironment().CacheRoot);
            // Plain aligned lines rather than a table: names must stay whole for grep and copy-paste at any width.
            int width = PretrainedModels.All.Max(p => p.Name.Length) + 2, repoWidth = PretrainedModels.All.Max(p => p.Repo.Length) + 2;
            Console.WriteLine($"{"name".PadRight(width)}{"hub repository".PadRight(repoWidth)}cached");
            foreach (var pretrained in PretrainedModels.All)
            {
                var (request, _) = ModelReference.Parse(pretrained.Name)!.Value;
                bool cached = HubDownload.FromCache(request, cache) is not null;
                if (cached || !parse.GetValue(cachedOnly)) Console.WriteLine($"{pretrained.Name.PadRight(width)}{pretrained.Repo.PadRight(repoWidth)}{(cached ? "yes" : "")}");
            }
            Console.WriteLine($"architectures (--arch, or any of the names above): {string.Join(", ", ModelConfigs.All.Keys.Order(StringComparer.Ordinal))}");
            Console.WriteLine($"cache: {cache.Root}");
            return 0;
        });
        return command;
    }
}
