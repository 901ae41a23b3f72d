using System.CommandLine;
using ClipNet.Evaluation;
using Spectre.Console;

namespace ClipNet.Cli.Commands;

/// <summary>
/// `clip eval linear-probe --model M --train D1 --test D2 [--val-fraction 0.2] [--out DIR]` (or
/// `--train-features F1 --test-features F2`): logistic regression on frozen image features, C chosen on a
/// validation split of the train set.
/// </summary>
public static class EvalLinearProbeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        model.Required = false;
        model.Description += " (needed to embed --train/--test datasets)";
        var device = CommonOptions.Device();
        var dtype = CommonOptions.DType();
        var train = EvaluationOptions.Data(name: "--train", what: "Train dataset");
        var test = EvaluationOptions.Data(name: "--test", what: "Test dataset");
        var trainFeatures = new Option<string?>("--train-features") { Description = "Train feature file; read if it exists, otherwise written from --train" };
        var testFeatures = new Option<string?>("--test-features") { Description = "Test feature file; read if it exists, otherwise written from --test" };
        var validationFraction = new Option<double>("--val-fraction") { Description = "Share of each train class held out to choose C", DefaultValueFactory = _ => 0.2 }.Within(0, 1, minExclusive: true);
        var seed = new Option<int>("--seed") { Description = "Seed of the validation split", DefaultValueFactory = _ => 0 };
        var maxIterations = new Option<int>("--max-iterations")
        {
            Description = "L-BFGS iterations per fit at most (the CLIP paper's scikit-learn setting is 1000)",
            DefaultValueFactory = _ => LinearProbeEvaluation.DefaultSweep.Solver!.MaxIterations,
        }.Within(1, int.MaxValue);
        var output = EvaluationOptions.Output("evaluation");
        var limit = EvaluationOptions.Limit();
        var command = new Command("linear-probe", "Linear-probe accuracy: logistic regression on frozen image features, C swept on a validation split")
            { model, device, dtype, train, test, trainFeatures, testFeatures, validationFraction, seed, maxIterations, output, limit };
        command.SetAction(parse =>
        {
            using var clip = parse.GetValue(model) is null ? null : CommonOptions.LoadModel(parse, model, device, dtype);
            var request = new LinearProbeRequest(
                EvaluationOptions.Images(parse.GetValue(train), parse.GetValue(trainFeatures), parse.GetValue(limit)),
                EvaluationOptions.Images(parse.GetValue(test), parse.GetValue(testFeatures), parse.GetValue(limit)),
                parse.GetValue(output)!, parse.GetValue(validationFraction), parse.GetValue(seed),
                LinearProbeEvaluation.DefaultSweep with { Solver = LinearProbeEvaluation.DefaultSweep.Solver! with { MaxIterations = parse.GetValue(maxIterations) } });
            var result = EmbeddingProgressDisplay.Run("embedding images", progress => LinearProbeEvaluation.Run(clip, request, progress));
            var table = new Table().AddColumns("metric", "value").HideHeaders();
            table.AddRow("rows (train / validation / test)", $"{result.TrainCount} / {result.ValidationCount} / {result.TestCount}");
            table.AddRow("chosen C", $"{result.Probe.Sweep.ChosenC:G4}");
            table.AddRow("validation accuracy", $"{result.Probe.Sweep.ValidationAccuracy:P2}");
            table.AddRow("test accuracy", $"{result.Probe.TestAccuracy:P2}");
            AnsiConsole.Write(table);
            EvaluationOptions.PrintReport(result.Report!);
            return 0;
        });
        return command;
    }
}
