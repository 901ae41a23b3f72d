using System.CommandLine;
using ClipNet.Cli;
using ClipNet.Cli.Commands;

// Before anything allocates tensors or starts libtorch's threads: large tensors' memory is then reused from one
// pass to the next instead of being faulted in afresh (see NativeMemory for the measurements).
ClipNet.IO.NativeMemory.ReuseFreedBlocks();

var root = new RootCommand("ClipNet: CLIP for .NET — embed, classify, convert, train and evaluate CLIP models.")
{
    InfoCommand.Create(),
    TokenizeCommand.Create(),
    EmbedCommand.Create(),
    ClassifyCommand.Create(),
    ConvertCommand.Create(),
    QuickstartCommand.Create(),
    TrainCommand.Create(),
    FeaturesCommand.Create(),
    EvalCommand.Create(),
    SimilarityCommand.Create(),
    ArithmeticCommand.Create(),
    IndexCommand.Create(),
    SearchCommand.Create(),
    DedupeCommand.Create(),
    ServeCommand.Create(),
    DownloadCommand.Create(),
    ModelsCommand.Create(),
    CacheCommand.Create(),
};
return CommandRunner.Invoke(root, args);
