using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ClipNet.Text;

/// <summary>
/// The token-to-id table and the ranked merge list of a CLIP BPE model, read either from OpenAI's
/// <c>bpe_simple_vocab_16e6.txt.gz</c> or from a Hugging Face <c>vocab.json</c> + <c>merges.txt</c> pair.
/// </summary>
public sealed class ClipVocabulary
{
    public const string StartOfTextToken = "<|startoftext|>";
    public const string EndOfTextToken = "<|endoftext|>";
    public const string EndOfWordSuffix = "</w>";

    // The reference reads only the first 49152 - 256 - 2 merges of the file; the rest of the file is unused.
    const int OpenAiMergeCount = 49152 - 256 - 2;

    /// <summary>Far above any CLIP vocabulary (49408; multilingual ones 250k).</summary>
    const int MaxTokenId = 1 << 20;

    /// <summary>Token string to id; byte-level tokens, merged tokens and the two special tokens.</summary>
    public IReadOnlyDictionary<string, int> TokenIds { get; }

    /// <summary>Merges as "left right" lines, highest priority first.</summary>
    public IReadOnlyList<string> Merges { get; }

    ClipVocabulary(IReadOnlyDictionary<string, int> tokenIds, IReadOnlyList<string> merges)
    {
        TokenIds = tokenIds;
        Merges = merges;
    }

    /// <summary>
    /// Builds the vocabulary the way the reference <c>SimpleTokenizer</c> does: the 256 byte characters, the
    /// same with <c>&lt;/w&gt;</c>, every merge's two halves joined, then the start and end tokens.
    /// </summary>
    public static ClipVocabulary FromOpenAiBpeFile(Stream gzipStream, string sourceName)
    {
        string[] lines;
        try
        {
            using var gzip = new GZipStream(gzipStream, CompressionMode.Decompress, leaveOpen: true);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            lines = FirstLines(reader, OpenAiMergeCount + 1, sourceName);
        }
        catch (InvalidDataException e)
        {
            throw new ClipNetException($"{sourceName} is not a gzip file: {e.Message}", e);
        }
        if (lines.Length < OpenAiMergeCount + 1)
            throw new ClipNetException(
                $"{sourceName} has {lines.Length - 1} merge lines; a CLIP BPE file has at least {OpenAiMergeCount}.");

        var merges = new List<string>(OpenAiMergeCount);
        var tokens = new List<string>(2 * 256 + OpenAiMergeCount + 2);
        foreach (char c in ByteLevelAlphabet.Characters) tokens.Add(c.ToString());
        foreach (char c in ByteLevelAlphabet.Characters) tokens.Add(c + EndOfWordSuffix);
        for (int line = 1; line <= OpenAiMergeCount; line++)
        {
            string[] halves = lines[line].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (halves.Length != 2)
                throw new ClipNetException($"{sourceName} line {line + 1} is not a merge of two symbols: \"{lines[line]}\".");
            merges.Add(halves[0] + " " + halves[1]);
            tokens.Add(halves[0] + halves[1]);
        }
        tokens.Add(StartOfTextToken);
        tokens.Add(EndOfTextToken);

        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        // Later duplicates win, as in the reference's dict(zip(vocab, range(len(vocab)))).
        for (int id = 0; id < tokens.Count; id++) ids[tokens[id]] = id;
        return new ClipVocabulary(ids, merges);
    }

    /// <summary>Far above the merges' part of OpenAI's file (about 0.6 MB); a file without its lines by then is not one.</summary>
    const int MaxMergeTextChars = 16 << 20;

    /// <summary>
    /// The first <paramref name="count"/> lines, split on '\n' alone as the reference splits (fewer if the file ends
    /// first). Only they are decompressed: the other 213k lines of OpenAI's file are never used, and decompressing and
    /// splitting them took most of the tokenizer's start-up time.
    /// </summary>
    static string[] FirstLines(TextReader reader, int count, string sourceName)
    {
        var text = new StringBuilder();
        var buffer = new char[1 << 16];
        int newlines = 0, read;
        while (newlines < count && (read = reader.Read(buffer)) > 0)
        {
            text.Append(buffer, 0, read);
            newlines += buffer.AsSpan(0, read).Count('\n');
            if (text.Length > MaxMergeTextChars && newlines < count)
                throw new ClipNetException($"{sourceName} has only {newlines} lines in its first {MaxMergeTextChars >> 20}M characters; a CLIP BPE file has {count} short lines there.");
        }
        var lines = text.ToString().Split('\n');
        return lines.Length > count ? lines[..count] : lines;
    }

    /// <summary>Reads a Hugging Face style <c>vocab.json</c> (<c>{token: id}</c>) and <c>merges.txt</c>.</summary>
    public static ClipVocabulary FromHuggingFaceFiles(string vocabJsonPath, string mergesTxtPath)
    {
        Dictionary<string, int>? ids;
        try
        {
            using var stream = File.OpenRead(vocabJsonPath);
            ids = JsonSerializer.Deserialize<Dictionary<string, int>>(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new ClipNetException($"Could not read the vocabulary {vocabJsonPath}: {e.Message}", e);
        }
        if (ids is null || ids.Count == 0)
            throw new ClipNetException($"The vocabulary {vocabJsonPath} is empty; expected a JSON object {{token: id}}.");
        // Ids index the tokenizer's table and the model's embedding rows: bounded before either is allocated.
        if (ids.FirstOrDefault(p => p.Value < 0 || p.Value >= MaxTokenId) is { Key: not null } bad)
            throw new ClipNetException($"{vocabJsonPath}: token \"{bad.Key}\" has id {bad.Value}; ids must be between 0 and {MaxTokenId - 1}");

        string[] lines;
        try
        {
            lines = File.ReadAllLines(mergesTxtPath, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"Could not read the merges file {mergesTxtPath}: {e.Message}", e);
        }
        var merges = new List<string>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (i == 0 && lines[i].StartsWith("#version", StringComparison.Ordinal)) continue;
            if (lines[i].Length == 0) continue;
            string[] halves = lines[i].Split(' ');
            if (halves.Length != 2)
                throw new ClipNetException($"{mergesTxtPath} line {i + 1} is not a merge of two symbols: \"{lines[i]}\".");
            merges.Add(lines[i]);
        }

        foreach (string special in new[] { StartOfTextToken, EndOfTextToken })
            if (!ids.ContainsKey(special))
                throw new ClipNetException($"The vocabulary {vocabJsonPath} has no {special} token; it is not a CLIP vocabulary.");
        return new ClipVocabulary(ids, merges);
    }
}
