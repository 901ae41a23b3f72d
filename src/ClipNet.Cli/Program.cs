using System.CommandLine;
using ClipNet.Cli;
using ClipNet.Cli.Commands;

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
    DownloadCommand.Create(),
    ModelsCommand.Create(),
    CacheCommand.Create(),
};
return CommandRunner.Invoke(root, args);
