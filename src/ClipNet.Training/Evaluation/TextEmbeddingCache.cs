using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClipNet.Checkpoints;
using static TorchSharp.torch;
using ClipNet.SafeTensors;

namespace ClipNet.Evaluation;

/// <summary>
/// Keeps text embeddings on disk, so that evaluating a model again with the same prompts (a zero-shot
/// classifier of 1,000 classes × 80 templates is 80,000 texts) skips the text encoder. An entry is one
/// safetensors file named by a hash of the model's identity (<see cref="ModelIdentity"/>), its dtype and the
/// texts, so changed weights or prompts never meet a stale entry. A model that is not loaded from a file is
/// never cached.
/// </summary>
public sealed class TextEmbeddingCache(string folder)
{
    const string EmbeddingsTensor = "embeddings";

    public string Folder { get; } = folder;

    /// <summary><c>$XDG_CACHE_HOME/clipnet/text-embeddings</c>, or <c>~/.cache/clipnet/text-embeddings</c>.</summary>
    public static string DefaultFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "clipnet", "text-embeddings");
        }
    }

    /// <summary>
    /// Normalised embeddings [texts, dimension] (float32, CPU) of <paramref name="texts"/>, truncated to the
    /// context, read from the cache when present and encoded and stored otherwise.
    /// </summary>
    public (Tensor Embeddings, bool FromCache) Encode(Clip clip, IReadOnlyList<string> texts)
    {
        string? model = ModelIdentity.Of(clip.Source);
        if (model is null) return (clip.EncodeTexts(texts, normalize: true, truncate: true), false);
        string path = Path.Combine(Folder, Key(model, clip, texts) + ".safetensors");
        if (TryRead(path, texts.Count, clip.EmbeddingDimension) is Tensor cached) return (cached, true);

        var embeddings = clip.EncodeTexts(texts, normalize: true, truncate: true);
        Embeddings.FiniteEmbeddings.Require(embeddings, i => $"text \"{texts[i]}\"", clip.Source);
        try
        {
            Directory.CreateDirectory(Folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            embeddings.Dispose();
            throw new ClipNetException($"cannot create the text-embedding cache folder {Folder} ({e.Message}); choose another one", e);
        }
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { [EmbeddingsTensor] = embeddings },
            new Dictionary<string, string> { ["model"] = clip.Source, ["texts"] = texts.Count.ToString() });
        return (embeddings, false);
    }

    static string Key(string model, Clip clip, IReadOnlyList<string> texts)
    {
        string described = JsonSerializer.Serialize(new { model, dtype = clip.Model.DType.ToString(), context = clip.Model.Config.Text.ContextLength, texts });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(described)));
    }

    /// <summary>The cached embeddings, or null when there is no entry or it is damaged (it is then rewritten).</summary>
    static Tensor? TryRead(string path, int rows, int dimension)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var file = SafeTensorsFile.Open(path);
            var info = file.Info(EmbeddingsTensor);
            if (info.DType != "F32" || info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != dimension) return null;
            return file.Load(EmbeddingsTensor).clone();
        }
        catch (ClipNetException)
        {
            return null;
        }
    }
}
