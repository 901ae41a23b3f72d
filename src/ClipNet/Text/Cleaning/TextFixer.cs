using System.Text;

namespace ClipNet.Text;

/// <summary>
/// The subset of ftfy 6.3's <c>fix_text</c> (default settings) that the reference tokenizer relies on:
/// HTML entities in text that is not HTML, mojibake, C1 controls, Latin ligatures, character widths, curly
/// quotes, line breaks, lone surrogates, terminal escapes, invisible control characters, then NFC. The steps
/// repeat until the text stops changing, and the text is fixed one line at a time because different lines
/// of a document can carry different damage.
/// </summary>
public static class TextFixer
{
    const int MaxSegmentLength = 1_000_000;

    public static string FixText(string text)
    {
        var output = new StringBuilder(text.Length);
        // HTML entities are decoded only until the first line with a '<': from there on the text is
        // probably HTML, where "&amp;lt;" is meant literally.
        bool unescapeHtml = true;
        int position = 0;
        while (position < text.Length)
        {
            int lineEnd = text.IndexOf('\n', position) + 1;
            if (lineEnd == 0) lineEnd = text.Length;
            lineEnd = Math.Min(lineEnd, position + MaxSegmentLength);

            string segment = text[position..lineEnd];
            if (segment.Contains('<')) unescapeHtml = false;
            output.Append(FixSegment(segment, unescapeHtml));
            position = lineEnd;
        }
        return output.ToString();
    }

    static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            string original = text;
            if (unescapeHtml) text = HtmlEntityRepair.Unescape(text);
            text = MojibakeRepair.FixEncoding(text);
            text = C1Controls.Fix(text);
            text = LatinLigatures.Fix(text);
            text = CharacterWidth.Fix(text);
            text = CurlyQuotes.Fix(text);
            text = LineBreaks.Fix(text);
            text = Surrogates.Fix(text);
            text = TerminalEscapes.Remove(text);
            text = ControlCharacters.Remove(text);
            text = text.Normalize(NormalizationForm.FormC);
            if (text == original) return text;
        }
    }
}
