using ClipNet.Text;
using Xunit;

namespace ClipNet.Tests.Text;

/// <summary>The cleaning steps against the reference's intermediate strings for all 434 fixture cases.</summary>
public class TextCleaningReferenceTests
{
    [Fact]
    public void FixTextMatchesFtfy() =>
        TokenizerCases.AssertAll("ftfy.fix_text", c => TokenizerCases.Compare(c.FtfyFixText, TextFixer.FixText(c.Text)));

    [Fact]
    public void CleanMatchesTheReferenceCleaning() =>
        TokenizerCases.AssertAll("whitespace_clean(basic_clean(text)).lower()",
            c => TokenizerCases.Compare(c.Clean, ClipTextCleaner.Clean(c.Text)));

    [Fact]
    public void TheFixtureExercisesFtfyDependentCases() =>
        Assert.Equal(35, TokenizerCases.All.Count(c => c.FtfyDependent));
}
