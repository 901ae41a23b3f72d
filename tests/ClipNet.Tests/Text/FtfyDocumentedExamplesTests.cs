using ClipNet.Text;
using Xunit;

namespace ClipNet.Tests.Text;

/// <summary>Examples from ftfy 6.3.1's own documentation (its docstrings), with the outputs it documents.</summary>
public class FtfyDocumentedExamplesTests
{
    [Theory]
    [InlineData("\u00e2\u0153\u201d No problems", "\u2714 No problems")]
    [InlineData("&macr;\\_(\u00e3\u0083\u0084)_/&macr;", "\u00af\\_(\u30c4)_/\u00af")]
    [InlineData("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33", "LOUD NOISES")]
    [InlineData("s\u00c3\u00b3", "s\u00f3")]
    [InlineData("voil\u00c3 le travail", "voil\u00e0 le travail")]
    [InlineData("sch\u00c3\u00b6n", "sch\u00f6n")]
    [InlineData("\uff35\uff80\uff70\uff9d", "U\u30bf\u30fc\u30f3")]
    [InlineData("\ufb02u\ufb03e\ufb06", "fluffiest")]
    [InlineData("Content-type: text/plain\r\n\r\nHi.", "Content-type: text/plain\n\nHi.")]
    [InlineData("This is how Microsoft \r trolls Mac users", "This is how Microsoft \n trolls Mac users")]
    [InlineData("\u201chere\u2019s a test\u201d", "\"here's a test\"")]
    [InlineData("\u001b[36;44mI'm blue, da ba dee da ba doo...\u001b[0m", "I'm blue, da ba dee da ba doo...")]
    public void FixText(string text, string expected) => Assert.Equal(expected, TextFixer.FixText(text));

    [Theory]
    [InlineData("&lt;tag&gt;", "<tag>")]
    [InlineData("&Jscr;ohn &HilbertSpace;ancock", "\U0001d4a5ohn \u210bancock")]
    [InlineData("&checkmark;", "\u2713")]
    [InlineData("P&eacute;rez", "P\u00e9rez")]
    [InlineData("P&EACUTE;REZ", "P\u00c9REZ")]
    [InlineData("BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE")]
    [InlineData("&ntilde; &Ntilde; &NTILDE; &nTILDE;", "\u00f1 \u00d1 \u00d1 &nTILDE;")]
    public void UnescapeHtml(string text, string expected) => Assert.Equal(expected, HtmlEntityRepair.Unescape(text));

    [Fact]
    public void FixEncodingLeavesUnknownCapitalisedEntitiesAlone() =>
        Assert.Equal("&ATILDE;&SUP3;", MojibakeRepair.FixEncoding("&ATILDE;&SUP3;"));

    [Fact]
    public void HtmlIsNotUnescaped() =>
        Assert.Equal("<em>HTML entities &lt;3</em>", TextFixer.FixText("<em>HTML entities &lt;3</em>"));
}
