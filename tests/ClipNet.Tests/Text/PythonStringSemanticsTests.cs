using ClipNet.Text;
using Xunit;

namespace ClipNet.Tests.Text;

/// <summary>
/// Python behaviour the cleaning reproduces, on inputs the fixture does not cover. Expected values are
/// the output of Python 3.11.2's <c>str.lower()</c> and <c>html.unescape</c>.
/// </summary>
public class PythonStringSemanticsTests
{
    [Theory]
    [InlineData("\u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3. \u03a3 \u0391\u03a3'\u03a3 \u0130STANBUL", "\u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1\u03c2. \u03c3 \u03b1\u03c3'\u03c2 i\u0307stanbul")]
    [InlineData("\u0391\u03a3\u0345 \u03a3\u0308\u0391 a\u03a3\u0308 \u1fbc \u01c5 \u1e9e \u2160\u03a3", "\u03b1\u03c2\u0345 \u03c3\u0308\u03b1 a\u03c2\u0308 \u1fb3 \u01c6 \u00df \u2170\u03c2")]
    [InlineData("\u0391\u03a3'' \u03a3\U0001d400", "\u03b1\u03c2'' \u03c3\U0001d400")]
    public void LowerIsPythonsStrLower(string text, string expected) =>
        Assert.Equal(expected, PythonLowercase.Lower(text));

    [Theory]
    [InlineData("&amp &ampx &notit; &notin &#x41 &#65x &#X41; &#; &#x; &AMP; &Amp; a&b &amp;&lt", "& &x \u00acit; \u00acin A Ax A &#; &#x; & &Amp; a&b &<")]
    [InlineData("&#128; &#x9d; &#0; &#xD800; &#1114112; &#11; &#xFFFE; &#99999999999999999999; &#13;x", "\u20ac \u009d \ufffd \ufffd \ufffd   \ufffd \u000dx")]
    [InlineData("&Eacute;&eacute &acE; &NotEqualTilde; &fjlig;", "\u00c9\u00e9 \u223e\u0333 \u2242\u0338 fj")]
    public void HtmlUnescapeIsPythons(string text, string expected) =>
        Assert.Equal(expected, PythonHtmlUnescape.Unescape(text));

    [Fact]
    public void StripAndCollapseUseDifferentWhitespace()
    {
        // str.strip() removes U+001C..U+001F, regex \s does not match them.
        Assert.Equal("a\u001cb", PythonWhitespace.Strip("\u001f a\u001cb \u001e"));
        Assert.Equal(" a\u001cb c ", PythonWhitespace.CollapseRuns("\u3000\u00a0a\u001cb\u2028\u0085c\t"));
    }
}
