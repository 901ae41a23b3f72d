using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipNet.Model;

/// <summary>
/// torch.nn.BatchNorm2d (momentum 0.1, eps 1e-5, affine, running statistics) with its state-dict names:
/// weight, bias, running_mean, running_var, num_batches_tracked. Ours because TorchSharp's counts batches with
/// a Scalar it does not hold, which another thread's garbage collection can free mid-call (see <see cref="TensorArithmetic"/>).
/// </summary>
public sealed class BatchNorm2d : nn.Module<Tensor, Tensor>
{
    const double Momentum = 0.1;
    public const double Epsilon = 1e-5;

    public Parameter weight;
    public Parameter bias;
    public Tensor running_mean;
    public Tensor running_var;
    public Tensor num_batches_tracked;

    public BatchNorm2d(int features, ParameterFactory? parameters = null) : base(nameof(BatchNorm2d))
    {
        var dtype = (parameters ?? ParameterFactory.Random).DType;
        weight = nn.Parameter(torch.ones(features, dtype));
        bias = nn.Parameter(torch.zeros(features, dtype));
        running_mean = torch.zeros(features, dtype);
        running_var = torch.ones(features, dtype);
        num_batches_tracked = torch.zeros([], ScalarType.Int64);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (training)
            using (torch.no_grad())
                num_batches_tracked.add_(TensorArithmetic.One, TensorArithmetic.One);
        return nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, Momentum, Epsilon);
    }
}
