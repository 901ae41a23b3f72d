using System.Reflection;
using System.Text;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace ClipNet.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer (OpenAI's <c>SimpleTokenizer</c> and <c>clip.tokenize</c>), giving the
/// same ids as the reference. Cleaning is <see cref="ClipTextNormalizer"/>, word splitting
/// <see cref="ClipPreTokenizer"/>, and the merges are done by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>, which caches the result per word. Safe to use from several threads.
/// </summary>
public sealed class ClipTokenizer
{
    public const int DefaultContextLength = 77;

    const string EmbeddedVocabularyResource = "ClipNet.Text.Resources.bpe_simple_vocab_16e6.txt.gz";
    static readonly Lazy<ClipTokenizer> defaultTokenizer = new(LoadEmbedded);

    readonly string[] tokensById;
    readonly Lazy<BpeTokenizer> bpe;

    ClipTokenizer(ClipVocabulary vocabulary, string sourceName)
    {
        Vocabulary = vocabulary;
        StartOfText = RequireToken(vocabulary, ClipVocabulary.StartOfTextToken, sourceName);
        EndOfText = RequireToken(vocabulary, ClipVocabulary.EndOfTextToken, sourceName);

        tokensById = new string[vocabulary.TokenIds.Values.Max() + 1];
        foreach (var (token, id) in vocabulary.TokenIds)
        {
            if (id < 0) throw new ClipNetException($"{sourceName} gives the token \"{token}\" the negative id {id}.");
            tokensById[id] = token;
        }

        // The BPE tables take about 0.2 s to build and only texts need them: a command that embeds images
        // never waits for them.
        bpe = new Lazy<BpeTokenizer>(() => CreateBpe(vocabulary, sourceName));
    }

    BpeTokenizer CreateBpe(ClipVocabulary vocabulary, string sourceName)
    {
        try
        {
            return BpeTokenizer.Create(new BpeOptions(vocabulary.TokenIds)
            {
                Merges = vocabulary.Merges,
                ByteLevel = true,
                EndOfWordSuffix = ClipVocabulary.EndOfWordSuffix,
                Normalizer = ClipTextNormalizer.Instance,
                PreTokenizer = ClipPreTokenizer.Instance,
                // The reference maps a piece to a special id only when it is exactly the special token (after
                // lower-casing); any other spelling is ordinary text for BPE.
                SpecialTokens = new Dictionary<string, int>
                {
                    [ClipVocabulary.StartOfTextToken] = StartOfText,
                    [ClipVocabulary.EndOfTextToken] = EndOfText,
                },
            });
        }
        catch (InvalidOperationException e)
        {
            throw new ClipNetException($"{sourceName} is not a consistent BPE vocabulary: {e.Message}", e);
        }
    }

    /// <summary>The tokenizer of all OpenAI CLIP models, from the vocabulary embedded in this library.</summary>
    public static ClipTokenizer Default => defaultTokenizer.Value;

    /// <summary>Loads a Hugging Face style tokenizer folder's <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    public static ClipTokenizer FromFiles(string vocabJsonPath, string mergesTxtPath) =>
        new(ClipVocabulary.FromHuggingFaceFiles(vocabJsonPath, mergesTxtPath), vocabJsonPath);

    /// <summary>Loads OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c> (or a file in its format).</summary>
    public static ClipTokenizer FromOpenAiBpeFile(string gzipPath)
    {
        try
        {
            using var stream = File.OpenRead(gzipPath);
            return new(ClipVocabulary.FromOpenAiBpeFile(stream, gzipPath), gzipPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"Could not read the BPE vocabulary {gzipPath}: {e.Message}", e);
        }
    }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer (cleaning, splitting and BPE; no start/end tokens).</summary>
    public BpeTokenizer Bpe => bpe.Value;

    /// <summary>The tokens and merges this tokenizer was built from (to save them beside a converted model).</summary>
    public ClipVocabulary Vocabulary { get; }

    public int StartOfText { get; }
    public int EndOfText { get; }

    /// <summary>The number of positions of CLIP's text transformer; <see cref="Tokenize"/> pads to it by default.</summary>
    public int ContextLength => DefaultContextLength;

    public int VocabularySize => tokensById.Length;

    /// <summary>The token ids of <paramref name="text"/>, without start and end tokens.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Bpe.EncodeToIds(text)];
    }

    /// <summary>
    /// <c>clip.tokenize</c> for one text: start token, ids, end token, zero padding to
    /// <paramref name="contextLength"/>. Longer texts are an error unless <paramref name="truncate"/> is set,
    /// in which case the first <paramref name="contextLength"/> ids are kept and the last becomes the end token.
    /// </summary>
    public int[] Tokenize(string text, int contextLength = DefaultContextLength, bool truncate = false)
    {
        if (contextLength < 2)
            throw new ClipNetException($"The context length must be at least 2 (start and end token); got {contextLength}.");
        int[] ids = Encode(text);
        var row = new int[contextLength];
        int length = ids.Length + 2;
        if (length > contextLength && !truncate)
            throw new ClipNetException(
                $"Input \"{Abbreviate(text)}\" is too long for context length {contextLength}: it has {length} tokens " +
                $"including the start and end tokens. Shorten it or tokenize with truncation.");

        row[0] = StartOfText;
        int kept = Math.Min(ids.Length, contextLength - 1);
        Array.Copy(ids, 0, row, 1, kept);
        if (length > contextLength) row[contextLength - 1] = EndOfText;
        else row[ids.Length + 1] = EndOfText;
        return row;
    }

    /// <summary><c>clip.tokenize</c> for a batch: an int64 tensor of shape [texts, <paramref name="contextLength"/>].</summary>
    public torch.Tensor TokenizeBatch(IReadOnlyList<string> texts, int contextLength = DefaultContextLength, bool truncate = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = new int[texts.Count][];
        Parallel.For(0, texts.Count, i => rows[i] = Tokenize(texts[i], contextLength, truncate));

        var flat = new long[texts.Count * contextLength];
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < contextLength; j++)
                flat[i * contextLength + j] = rows[i][j];
        return torch.tensor(flat, [texts.Count, contextLength], torch.int64);
    }

    /// <summary>
    /// The reference's <c>decode</c>: token strings joined, mapped back to bytes and read as UTF-8 (invalid
    /// sequences become U+FFFD), with every end-of-word marker turned into a space.
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)tokensById.Length || tokensById[id] is not { } token)
                throw new ClipNetException($"Token id {id} is not in the vocabulary (ids 0..{tokensById.Length - 1}).");
            foreach (char c in token)
            {
                if (!ByteLevelAlphabet.TryGetByte(c, out byte b))
                    throw new ClipNetException($"Token {id} (\"{token}\") contains '{c}', which is not a byte-level character.");
                bytes.Add(b);
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Replace(ClipVocabulary.EndOfWordSuffix, " ");
    }

    static ClipTokenizer LoadEmbedded()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(EmbeddedVocabularyResource)
            ?? throw new ClipNetException(
                $"This build of ClipNet has no embedded CLIP vocabulary ({EmbeddedVocabularyResource}); " +
                "load one with ClipTokenizer.FromFiles or ClipTokenizer.FromOpenAiBpeFile.");
        return new(ClipVocabulary.FromOpenAiBpeFile(stream, "the embedded bpe_simple_vocab_16e6.txt.gz"), "the embedded vocabulary");
    }

    static int RequireToken(ClipVocabulary vocabulary, string token, string sourceName) =>
        vocabulary.TokenIds.TryGetValue(token, out int id)
            ? id
            : throw new ClipNetException($"{sourceName} has no {token} token; it is not a CLIP vocabulary.");

    static string Abbreviate(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
