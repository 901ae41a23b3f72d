using Microsoft.ML.Tokenizers;

namespace ClipNet.Text;

/// <summary>Plugs <see cref="ClipTextCleaner"/> into Microsoft.ML.Tokenizers as the tokenizer's normaliser.</summary>
public sealed class ClipTextNormalizer : Normalizer
{
    public static ClipTextNormalizer Instance { get; } = new();

    public override string Normalize(string original) => ClipTextCleaner.Clean(original);

    public override string Normalize(ReadOnlySpan<char> original) => ClipTextCleaner.Clean(original.ToString());
}
