using ClipNet.Model;
using ClipNet.Text;
using ClipNet.Vision;

namespace ClipNet.Checkpoints;

/// <summary>A model with the tokenizer and preprocessing that belong to it, and where it came from.</summary>
public sealed record LoadedModel(ClipModel Model, ClipTokenizer Tokenizer, ImagePreprocessor Preprocessor, StateDictFormat Format, string Source)
{
    /// <summary>What loading had to guess (safely), for the caller to show.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
