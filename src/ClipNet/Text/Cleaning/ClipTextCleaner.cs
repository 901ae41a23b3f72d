namespace ClipNet.Text;

/// <summary>
/// The reference's text cleaning before word splitting:
/// <c>whitespace_clean(basic_clean(text)).lower()</c>, i.e. ftfy, HTML unescaping twice, whitespace collapse
/// and Python lower-casing.
/// </summary>
public static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        text = TextFixer.FixText(text);
        // Captions scraped from the web are often escaped twice ("&amp;amp;").
        text = PythonHtmlUnescape.Unescape(PythonHtmlUnescape.Unescape(text));
        text = PythonWhitespace.Strip(text);
        text = PythonWhitespace.Strip(PythonWhitespace.CollapseRuns(text));
        return PythonLowercase.Lower(text);
    }
}
