using System.CommandLine;
using ClipNet.Search.Server;

namespace ClipNet.Cli.Commands;

/// <summary>`clip serve`: the photo search page over an index, until Ctrl+C.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new PhotoSearchServerOptions("");
        var index = new Option<string>("--index") { Description = "The index file made by `clip index`", DefaultValueFactory = _ => Search.PhotoIndex.DefaultFileName };
        var model = new Option<string?>("--model", "-m") { Description = "Query with this model instead of the one recorded in the index (it must be the same model)" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free port)", DefaultValueFactory = _ => defaults.Port };
        var host = new Option<string>("--host") { Description = "Address to listen on; 0.0.0.0 shares your photos with your network", DefaultValueFactory = _ => defaults.Host };
        var thumbnails = new Option<string?>("--thumbnails") { Description = "Thumbnail cache folder (default: INDEX.thumbnails)" };
        var command = new Command("serve", "Search your indexed photos in a browser: search as you type, by image, similar photos, duplicates")
            { index, model, port, host, thumbnails };
        command.SetAction(async (parse, cancellation) =>
        {
            var options = new PhotoSearchServerOptions(parse.GetValue(index)!)
            {
                ModelPath = parse.GetValue(model), Port = parse.GetValue(port), Host = parse.GetValue(host)!, ThumbnailDirectory = parse.GetValue(thumbnails),
            };
            await using var server = await PhotoSearchServer.StartAsync(options, cancellation);
            Console.WriteLine($"Serving {server.IndexStatus.PhotoCount:N0} photos from {server.IndexStatus.IndexPath} at {server.Address}");
            Console.WriteLine(server.IsLoopbackOnly
                ? "Listening on this machine only (127.0.0.1); --host 0.0.0.0 would share your photos with your network."
                : $"Listening on {options.Host}: anyone who can reach this machine can see these photos.");
            Console.WriteLine($"Loading model {options.ModelPath ?? server.IndexStatus.Model.Source} … (the page shows when it is ready; Ctrl+C stops)");
            var shutdown = server.WaitForShutdownAsync(cancellation);
            if (await Task.WhenAny(server.ModelLoaded, shutdown) == server.ModelLoaded)
            {
                await server.ModelLoaded;   // a model that cannot be loaded ends the command with its error
                Console.WriteLine($"Model ready in {server.ModelLoadTime.TotalSeconds:F1} s.");
                await shutdown;
            }
            return 0;
        });
        return command;
    }
}
