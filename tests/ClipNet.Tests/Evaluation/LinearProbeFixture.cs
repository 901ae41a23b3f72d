using System.Text.Json;
using ClipNet.Checkpoints;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Evaluation;

/// <summary>
/// `linear_probe/`: scikit-learn 1.2.1 LogisticRegression(solver='lbfgs', max_iter=1000, tol=1e-10) fitted on
/// 800 L2-normalised 64-d rows of 5 classes, for each C in probe.json; no feature standardisation, intercept fitted.
/// </summary>
public sealed class LinearProbeFixture : IDisposable
{
    public sealed record Reference(int Index, double C, double TestAccuracy, int Iterations);

    readonly SafeTensorsFile file = SafeTensorsFile.Open(SharedFixtures.Fixture("linear_probe", "probe.safetensors"));

    public Tensor TrainFeatures { get; }
    public long[] TrainLabels { get; }
    public Tensor TestFeatures { get; }
    public long[] TestLabels { get; }
    public IReadOnlyList<Reference> References { get; }

    public LinearProbeFixture()
    {
        TrainFeatures = file.Load("train_features");
        TrainLabels = file.Load("train_labels").data<long>().ToArray();
        TestFeatures = file.Load("test_features");
        TestLabels = file.Load("test_labels").data<long>().ToArray();
        using var json = JsonDocument.Parse(File.ReadAllText(SharedFixtures.Fixture("linear_probe", "probe.json")));
        References = json.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => new Reference(r.GetProperty("index").GetInt32(), r.GetProperty("C").GetDouble(), r.GetProperty("test_accuracy").GetDouble(), r.GetProperty("n_iter").GetInt32()))
            .ToArray();
    }

    public Tensor Coefficients(int index) => file.Load($"C{index}_coef");
    public Tensor Intercepts(int index) => file.Load($"C{index}_intercept");
    public Tensor TestProbabilities(int index) => file.Load($"C{index}_test_proba");

    public void Dispose()
    {
        TrainFeatures.Dispose();
        TestFeatures.Dispose();
        file.Dispose();
    }
}
