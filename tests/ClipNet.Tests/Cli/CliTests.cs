using System.Text.Json;
using ClipNet.Checkpoints;
using ClipNet.Tests.Checkpoints;
using Xunit;
using ClipNet.SafeTensors;

namespace ClipNet.Tests.Cli;

/// <summary>The `clip` commands end to end: real output on good input, one clear line and exit code 1 on bad input.</summary>
public class CliTests
{
    static readonly string Vit = SharedFixtures.Fixture("models", "vit", "weights_openai.safetensors");
    static readonly string Image = SharedFixtures.Fixture("preprocess", "images", "rgb_640x480.jpg");

    static void AssertCleanFailure(ClipProcess.Result result, params string[] expectedInMessage)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
        Assert.DoesNotContain("   at ", result.Error);   // no stack trace
        foreach (string part in expectedInMessage) Assert.Contains(part, result.Error);
    }

    [Fact]
    public void TokenizePrintsTheReferenceIds()
    {
        var line = File.ReadLines(SharedFixtures.Fixture("tokenizer", "tokens.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).First();
        var result = ClipProcess.Run("tokenize", line.GetProperty("text").GetString()!);
        Assert.Equal(0, result.ExitCode);
        var ids = JsonSerializer.Deserialize<int[]>(result.Output.Trim());
        Assert.Equal(line.GetProperty("tokenize77").EnumerateArray().Select(e => e.GetInt32()), ids);
    }

    [Fact]
    public void TooLongTextFailsWithoutTruncateAndWorksWithIt()
    {
        string text = string.Join(' ', Enumerable.Repeat("word", 100));
        AssertCleanFailure(ClipProcess.Run("tokenize", text), "too long for context length 77");
        var truncated = ClipProcess.Run("tokenize", "--truncate", text);
        Assert.Equal(0, truncated.ExitCode);
        Assert.Equal(49407, JsonSerializer.Deserialize<int[]>(truncated.Output.Trim())![76]);
    }

    [Fact]
    public void InfoDescribesTheModel()
    {
        var result = ClipProcess.Run("info", Vit);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3,697,217", result.Output);
        Assert.Contains("Vision Transformer", result.Output);
        Assert.Contains("SafeTensors", result.Output);
    }

    [Fact]
    public void EmbedWritesNormalisedEmbeddingsInInputOrder()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Path, "e.safetensors");
        string[] images = [Image, SharedFixtures.Fixture("preprocess", "images", "rgba_300x200.png"), SharedFixtures.Fixture("preprocess", "images", "rgb_480x640_portrait.jpg")];
        string[] texts = ["a cat", "a dog", "a boat"];
        var result = ClipProcess.Run(["embed", "--model", Vit, .. images.SelectMany(i => new[] { "--image", i }),
            .. texts.SelectMany(t => new[] { "--text", t }), "--out", output]);
        Assert.Equal(0, result.ExitCode);
        using var file = SafeTensorsFile.Open(output);
        Assert.Equal(new long[] { 3, 32 }, file.Info("image_embeds").Shape);
        Assert.Equal(new long[] { 3, 32 }, file.Info("text_embeds").Shape);
        Assert.Equal("F32", file.Info("text_embeds").DType);
        Assert.Contains("logit_scale", file.Tensors.Keys);

        // Row i is input i: each row equals that input embedded on its own, and matches no other input.
        using var clip = Clip.Load(Vit);
        foreach (var (name, single) in new (string, Func<int, TorchSharp.torch.Tensor>)[]
                 { ("image_embeds", i => clip.EncodeImages([images[i]])[0]), ("text_embeds", i => clip.EncodeTexts([texts[i]])[0]) })
        {
            var rows = file.Load(name);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(1.0, rows[i].norm().item<float>(), 5);
                for (int j = 0; j < 3; j++)
                {
                    double difference = (rows[i] - single(j)).abs().max().item<float>();
                    if (i == j) Assert.True(difference < 1e-5, $"{name} row {i} differs from input {i} by {difference}");
                    else Assert.True(difference > 1e-3, $"{name} row {i} looks like input {j}");
                }
            }
        }
    }

    [Fact]
    public void ClassifyPrintsProbabilitiesThatSumToOne()
    {
        var result = ClipProcess.Run("classify", "--model", Vit, "--image", Image, "--labels", "cat,dog,car", "--json");
        Assert.Equal(0, result.ExitCode);
        var probabilities = JsonDocument.Parse(result.Output).RootElement[0].GetProperty("probabilities");
        Assert.Equal(1.0, probabilities.EnumerateObject().Sum(p => p.Value.GetDouble()), 4);
        Assert.Equal(["cat", "dog", "car"], probabilities.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void BadInputGivesOneClearLine()
    {
        using var folder = new TempFolder();
        string empty = Path.Combine(folder.Path, "empty.safetensors");
        File.WriteAllBytes(empty, []);
        AssertCleanFailure(ClipProcess.Run("info", empty), empty);

        string notAnImage = Path.Combine(folder.Path, "notes.jpg");
        File.WriteAllText(notAnImage, "these are not pixels");
        AssertCleanFailure(ClipProcess.Run("embed", "--model", Vit, "--image", notAnImage, "--out", Path.Combine(folder.Path, "x.safetensors")), "notes.jpg");

        string emptyImage = Path.Combine(folder.Path, "empty.png");
        File.WriteAllBytes(emptyImage, []);
        AssertCleanFailure(ClipProcess.Run("classify", "--model", Vit, "--image", emptyImage, "--labels", "a,b"), "empty.png");

        AssertCleanFailure(ClipProcess.Run("info", Path.Combine(folder.Path, "missing.pt")), "missing.pt");
    }

    [Fact]
    public void EmbedInBFloat16PointsWhereFloat32Does()
    {
        using var folder = new TempFolder();
        string Embed(string dtype)
        {
            string output = Path.Combine(folder.Path, dtype + ".safetensors");
            var result = ClipProcess.Run("embed", "--model", Vit, "--dtype", dtype, "--image", Image, "--text", "a photo of a cat", "--out", output);
            Assert.Equal(0, result.ExitCode);
            return output;
        }
        using var float32 = SafeTensorsFile.Open(Embed("float32"));
        using var bf16 = SafeTensorsFile.Open(Embed("bfloat16"));
        foreach (var name in new[] { "image_embeds", "text_embeds" })
        {
            Assert.Equal("F32", bf16.Info(name).DType);
            double cosine = (float32.Load(name) * bf16.Load(name)).sum().item<float>();
            Assert.True(cosine >= 0.999 && cosine < 1.0 + 1e-6, $"{name}: cosine of bf16 and float32 embeddings is {cosine}");
        }

        var unknown = ClipProcess.Run("embed", "--model", Vit, "--dtype", "int8", "--image", Image, "--out", Path.Combine(folder.Path, "x.safetensors"));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("int8", unknown.Output + unknown.Error);
    }

    [Fact]
    public void CudaOnAMachineWithoutItIsOneLineThatSaysSo()
    {
        // The tests run with the CPU build of libtorch, so CUDA is never available here.
        using var folder = new TempFolder();
        var result = ClipProcess.Run("embed", "--model", Vit, "--device", "cuda", "--text", "a cat", "--out", Path.Combine(folder.Path, "x.safetensors"));
        AssertCleanFailure(result, "'cuda'", "CUDA is not available");
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.DoesNotContain("Exception", result.Error);
        AssertCleanFailure(ClipProcess.Run("embed", "--model", Vit, "--device", "tpu:0", "--text", "a", "--out", Path.Combine(folder.Path, "y.safetensors")), "tpu:0");
    }
}
