using ClipNet.Data;

namespace ClipNet.Tests.Evaluation;

/// <summary>The tiny random ViT CLIP and the development datasets the evaluation tests run on.</summary>
static class EvaluationData
{
    public static readonly string Vit = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
    public static readonly string Cifar = SharedFixtures.DataPath("cifar10-dev");
    public static readonly string Photos = SharedFixtures.DataPath("photos-demo");
    public static readonly string Prompts = SharedFixtures.DataPath("prompts", "prompts.json");

    /// <summary>The cifar10-dev class list (classes.txt, the official CIFAR-10 order).</summary>
    public static readonly string[] CifarClasses = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static Clip LoadVit() => Clip.Load(Vit);

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Identical(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    /// <summary>cifar10-dev's "cifar10" entry of prompts.json: its 10 classes and 18 templates.</summary>
    public static ClassPrompts CifarPrompts() => PromptsFile.Read(Prompts, "cifar10");
}
