using ClipNet.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ClipNet.SafeTensors;
using ClipNet.Model;

namespace ClipNet.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, "Decoupled weight decay regularization") computed as
/// <c>torch.optim.AdamW</c> computes it: θ ← θ·(1 − lr·λ); m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g²;
/// θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε). Each parameter group has its own decay λ.
/// </summary>
/// <remarks>
/// Ours rather than TorchSharp's because of how numbers reach libtorch. TorchSharp turns each number in
/// <c>param.mul_(0.99)</c> into a finalisable native Scalar that nothing references once its handle has been
/// read, so a garbage collection started by another thread (a data worker, the progress display) can free it
/// while libtorch is still reading it: training then stops with "Expected false to be true … Scalar.h". Here
/// every Scalar lives in a variable until the step has finished with it.
/// </remarks>
public sealed class AdamWOptimizer : IDisposable
{
    /// <summary>Parameters that share a weight decay.</summary>
    public sealed record Group(IReadOnlyList<(string Name, Parameter Parameter)> Parameters, double WeightDecay);

    sealed class Moments(Tensor parameter) : IDisposable
    {
        public long Step;
        public Tensor ExpAvg { get; set; } = zeros_like(parameter).DetachFromDisposeScope();
        public Tensor ExpAvgSq { get; set; } = zeros_like(parameter).DetachFromDisposeScope();

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }

    readonly IReadOnlyList<Group> groups;
    readonly Dictionary<string, Moments> moments = [];
    readonly double beta1, beta2, epsilon;

    public AdamWOptimizer(IReadOnlyList<Group> groups, double learningRate, double beta1, double beta2, double epsilon)
    {
        if (!(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1))
            throw new ClipNetException($"AdamW's betas must lie in [0, 1), not ({beta1}, {beta2})");
        if (!(epsilon >= 0))
            throw new ClipNetException($"AdamW's epsilon must not be negative, not {epsilon}");
        this.groups = groups;
        (LearningRate, this.beta1, this.beta2, this.epsilon) = (learningRate, beta1, beta2, epsilon);
        foreach (var (name, parameter) in groups.SelectMany(g => g.Parameters))
            moments[name] = new Moments(parameter);
    }

    /// <summary>The learning rate of the next step (a schedule sets it before every step).</summary>
    public double LearningRate { get; set; }

    /// <summary>Every parameter by name, as the checkpoint stores the moments.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => groups.SelectMany(g => g.Parameters);

    /// <summary>
    /// Drops the gradients (PyTorch's <c>zero_grad(set_to_none=True)</c>): the next backward pass writes fresh ones
    /// instead of adding to zeros, which saves two passes over every parameter's worth of memory.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in Parameters)
            parameter.grad = null;
    }

    /// <summary>
    /// Elements updated together. The update is nine passes over four arrays; on a ViT-B/32 (151 M parameters, 2.4 GB
    /// of parameters, gradients and moments) taken whole, each pass streams from main memory. Taken a slice at a time
    /// (1 MB of each array), the later passes find their data in cache. Every element gets the same operations in the
    /// same order either way, so the result is bit-identical.
    /// </summary>
    const long SliceElements = 1 << 18;

    public void Step()
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        using Scalar beta1Scalar = beta1.ToScalar(), newGradientWeight = (1 - beta1).ToScalar(),
            beta2Scalar = beta2.ToScalar(), newSquareWeight = (1 - beta2).ToScalar(),
            epsilonScalar = epsilon.ToScalar();
        foreach (var group in groups)
        {
            using Scalar decay = (1 - LearningRate * group.WeightDecay).ToScalar();
            foreach (var (name, parameter) in group.Parameters)
            {
                var gradient = parameter.grad;
                if (gradient is null) continue;
                var state = moments[name];
                state.Step++;
                double biasCorrection1 = 1 - Math.Pow(beta1, state.Step);
                double biasCorrection2 = 1 - Math.Pow(beta2, state.Step);
                using Scalar stepSize = (-LearningRate / biasCorrection1).ToScalar(), rootCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();

                void Update(Tensor p, Tensor g, Tensor m, Tensor v)
                {
                    p.mul_(decay);
                    m.mul_(beta1Scalar).add_(g, newGradientWeight);
                    v.mul_(beta2Scalar).addcmul_(g, g, newSquareWeight);
                    p.addcdiv_(m, v.sqrt().div_(rootCorrection2).add_(epsilonScalar, TensorArithmetic.One), stepSize);
                }
                long count = parameter.numel();
                bool sliceable = count > SliceElements && parameter.is_contiguous() && gradient.is_contiguous()
                                 && state.ExpAvg.is_contiguous() && state.ExpAvgSq.is_contiguous();
                if (!sliceable)
                {
                    Update(parameter, gradient, state.ExpAvg, state.ExpAvgSq);
                    continue;
                }
                Tensor p = parameter.view(-1), g = gradient.view(-1), m = state.ExpAvg.view(-1), v = state.ExpAvgSq.view(-1);
                for (long start = 0; start < count; start += SliceElements)
                {
                    using var slice = NewDisposeScope();
                    long length = Math.Min(SliceElements, count - start);
                    Update(p.narrow(0, start, length), g.narrow(0, start, length), m.narrow(0, start, length), v.narrow(0, start, length));
                }
            }
        }
    }

    /// <summary>The moments and step counts as tensors named <c>{parameter}.exp_avg</c>, <c>.exp_avg_sq</c> and <c>.step</c> (int64).</summary>
    public Dictionary<string, Tensor> StateTensors()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, state) in moments)
        {
            tensors[name + ".exp_avg"] = state.ExpAvg.detach().cpu().contiguous();
            tensors[name + ".exp_avg_sq"] = state.ExpAvgSq.detach().cpu().contiguous();
            tensors[name + ".step"] = torch.tensor(state.Step);
        }
        return tensors;
    }

    /// <summary>Restores what <see cref="StateTensors"/> wrote; <paramref name="source"/> names the file in errors.</summary>
    public void LoadState(SafeTensorsFile file, string source)
    {
        foreach (var (name, parameter) in Parameters)
        {
            var state = moments[name];
            state.ExpAvg.Dispose();
            state.ExpAvgSq.Dispose();
            state.ExpAvg = Load(file, source, name + ".exp_avg", parameter);
            state.ExpAvgSq = Load(file, source, name + ".exp_avg_sq", parameter);
            using var step = Require(file, source, name + ".step");
            state.Step = step.to_type(ScalarType.Int64).item<long>();
        }
    }

    static Tensor Load(SafeTensorsFile file, string source, string key, Parameter parameter)
    {
        using var stored = Require(file, source, key);
        if (!stored.shape.SequenceEqual(parameter.shape))
            throw new ClipNetException($"{source}: {key} has shape [{string.Join(", ", stored.shape)}] but the parameter has [{string.Join(", ", parameter.shape)}]");
        return stored.to(parameter.dtype, parameter.device).clone().DetachFromDisposeScope();
    }

    static Tensor Require(SafeTensorsFile file, string source, string key) =>
        file.Tensors.ContainsKey(key) ? file.Load(key) : throw new ClipNetException($"{source}: no optimizer state for {key}");

    public void Dispose()
    {
        foreach (var state in moments.Values) state.Dispose();
    }
}
