using ClipNet.Training;
using ClipNet.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ClipNet.Tests.Training;

/// <summary>bf16 mixed precision: float32 master weights, and a loss curve that follows float32's.</summary>
public class MixedPrecisionTrainingTests
{
    static List<double> Losses(TrainingPrecision precision, out Dictionary<string, Tensor> weights)
    {
        string run = Directory.CreateTempSubdirectory("clipnet-bf16-").FullName;
        try
        {
            var model = TinyModels.Create(21);
            var (pixels, ids) = TinyModels.RandomPairs(16, seed: 22);
            var options = new TrainingOptions { Epochs = 10, BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 2, Seed = 3, Precision = precision };
            var result = new Trainer(model, options, new InMemoryTrainingBatches(pixels, ids, 8, 3), run).Run();
            weights = model.state_dict();
            return MetricsLog.Read(result.MetricsPath).Select(r => (double)r["loss"]!).ToList();
        }
        finally { Directory.Delete(run, recursive: true); }
    }

    [Fact]
    public void BFloat16LossCurveFollowsFloat32AndMasterWeightsStayFloat32()
    {
        var float32 = Losses(TrainingPrecision.Float32, out _);
        var bf16 = Losses(TrainingPrecision.BFloat16, out var weights);
        Assert.All(weights.Values.Where(w => w.is_floating_point()), w => Assert.Equal(ScalarType.Float32, w.dtype));
        Assert.NotEqual(float32, bf16);   // the bf16 path really ran
        double worst = float32.Zip(bf16, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 0.1 * float32[0], $"bf16 loss strays {worst:F4} from float32's (initial loss {float32[0]:F3})");
        Assert.True(bf16[^1] < 0.5 * bf16[0], "bf16 training did not learn");
    }
}
