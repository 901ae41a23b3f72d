using ClipNet.Text;
using Xunit;

namespace ClipNet.Tests.Text;

/// <summary>The Hugging Face files, OpenAI's gzip file and the embedded copy must be the same tokenizer.</summary>
public class VocabularySourceTests
{
    [Fact]
    public void OpenAiFileAndHuggingFaceFilesGiveTheSameVocabulary()
    {
        var fromGzip = TokenizerCases.FromOpenAiFile.Bpe.Vocabulary;
        var fromJson = TokenizerCases.FromHuggingFaceFiles.Bpe.Vocabulary;
        Assert.Equal(49408, fromGzip.Count);
        Assert.Equal(fromJson.OrderBy(kv => kv.Value), fromGzip.OrderBy(kv => kv.Value));
    }

    [Fact]
    public void OpenAiFileGivesTheReferenceIds() =>
        TokenizerCases.AssertAll("encode with bpe_simple_vocab_16e6.txt.gz",
            c => TokenizerCases.Compare(c.Ids, TokenizerCases.FromOpenAiFile.Encode(c.Text)));

    [Fact]
    public void EmbeddedDefaultIsTheReferenceFile()
    {
        using var stream = typeof(ClipTokenizer).Assembly.GetManifestResourceStream("ClipNet.Text.Resources.bpe_simple_vocab_16e6.txt.gz");
        Assert.NotNull(stream);
        var embedded = new MemoryStream();
        stream.CopyTo(embedded);
        Assert.Equal(File.ReadAllBytes(SharedFixtures.Fixture("tokenizer", "bpe_simple_vocab_16e6.txt.gz")), embedded.ToArray());
        TokenizerCases.AssertAll("encode with the embedded vocabulary",
            c => TokenizerCases.Compare(c.Ids, ClipTokenizer.Default.Encode(c.Text)));
    }

    [Fact]
    public void MissingOrBrokenFilesAreReportedByName()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-clip-vocab.json");
        var error = Assert.Throws<ClipNetException>(() =>
            ClipTokenizer.FromFiles(missing, SharedFixtures.Fixture("tokenizer", "merges.txt")));
        Assert.Contains(missing, error.Message);

        string notGzip = SharedFixtures.Fixture("tokenizer", "merges.txt");
        error = Assert.Throws<ClipNetException>(() => ClipTokenizer.FromOpenAiBpeFile(notGzip));
        Assert.Contains(notGzip, error.Message);
    }

    [Fact]
    public void ShortOrEndlessGzipFilesAreRefusedByName()
    {
        using var folder = new Checkpoints.TempFolder();
        string Gzip(string name, string text)
        {
            string path = folder.File(name);
            using var gzip = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest);
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
            return path;
        }

        string truncated = Gzip("truncated.txt.gz", "#version: 0.2\n" + string.Concat(Enumerable.Repeat("a b\n", 99)));
        var error = Assert.Throws<ClipNetException>(() => ClipTokenizer.FromOpenAiBpeFile(truncated));
        Assert.Contains("truncated.txt.gz has 100 merge lines", error.Message);

        // 17 million characters without a line break: refused once past the bound, not read to the end.
        string endless = Gzip("endless.txt.gz", new string('a', 17 << 20));
        error = Assert.Throws<ClipNetException>(() => ClipTokenizer.FromOpenAiBpeFile(endless));
        Assert.Contains("endless.txt.gz has only 0 lines in its first 16M characters", error.Message);
    }
}
