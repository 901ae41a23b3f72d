using System.Text.RegularExpressions;
using System.Text;

namespace ClipNet.Text;

// Character-level repairs of ftfy.fix_text: each class fixes one kind of damage that copy, paste and
// legacy encodings leave in text.

/// <summary>
/// C1 control characters (U+0080..U+009F) are never meant in real text; they appear when Windows-1252
/// bytes are read as Latin-1. Like browsers, read them as the Windows-1252 characters of the same byte.
/// </summary>
public static class C1Controls
{
    public static bool Contains(string text)
    {
        foreach (char c in text)
            if (c is >= '\u0080' and <= '\u009F') return true;
        return false;
    }

    public static string Fix(string text)
    {
        if (!Contains(text)) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (chars[i] is >= '\u0080' and <= '\u009F')
                chars[i] = SingleByteEncoding.SloppyWindows1252.Decode((byte)chars[i]);
        return new string(chars);
    }
}

/// <summary>
/// Fullwidth ASCII (Ａ, ！) and halfwidth katakana (ｶ) exist only to line text up in a grid; they are
/// replaced by their standard forms, and the ideographic space U+3000 by a plain space. Only the
/// Halfwidth and Fullwidth Forms block is touched, unlike full NFKC.
/// </summary>
public static class CharacterWidth
{
    static readonly Dictionary<char, string> standardForms = Build();

    public static string Fix(string text) => CharacterMap.Apply(text, standardForms);

    static Dictionary<char, string> Build()
    {
        var map = new Dictionary<char, string> { ['\u3000'] = " " };
        for (char c = '\uFF01'; c < '\uFFF0'; c++)
        {
            string standard = c.ToString().Normalize(NormalizationForm.FormKC);
            if (standard != c.ToString()) map[c] = standard;
        }
        return map;
    }
}

/// <summary>
/// Control characters with no visible effect are removed: ASCII controls other than tab, line feed, form
/// feed and carriage return; the deprecated Arabic shaping controls U+206A..U+206F; the byte order mark; and
/// the interlinear annotation and object replacement characters U+FFF9..U+FFFC. C1 controls are left for
/// <see cref="C1Controls"/>, and joiners and direction marks are kept because they change rendering.
/// </summary>
public static class ControlCharacters
{
    public static bool IsRemoved(char c) =>
        c is <= '\u0008' or '\u000B' or >= '\u000E' and <= '\u001F' or '\u007F'
            or >= '\u206A' and <= '\u206F' or '\uFEFF' or >= '\uFFF9' and <= '\uFFFC';

    public static string Remove(string text)
    {
        int first = 0;
        while (first < text.Length && !IsRemoved(text[first])) first++;
        if (first == text.Length) return text;
        var kept = new System.Text.StringBuilder(text.Length).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
            if (!IsRemoved(text[i])) kept.Append(text[i]);
        return kept.ToString();
    }
}

/// <summary>
/// Curly quotation marks become straight ones, so that "it’s" and "it's" tokenize alike. The modifier
/// letter apostrophe U+02BC counts as a single quote too.
/// </summary>
public static class CurlyQuotes
{
    public static string Fix(string text)
    {
        if (text.IndexOfAny(['\u02BC', '\u2018', '\u2019', '\u201A', '\u201B', '\u201C', '\u201D', '\u201E', '\u201F']) < 0)
            return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] is '\u02BC' or >= '\u2018' and <= '\u201B') chars[i] = '\'';
            else if (chars[i] is >= '\u201C' and <= '\u201F') chars[i] = '"';
        }
        return new string(chars);
    }
}

/// <summary>
/// Latin ligatures such as 'ﬁ' in a string are copy-and-paste accidents from typeset text, so they are
/// split into their letters. Ligatures that are letters in their own right (æ, œ) are kept; the
/// Serbo-Croatian digraphs (ǅ) exist only for legacy encodings and are split too.
/// </summary>
public static class LatinLigatures
{
    static readonly Dictionary<char, string> letters = new()
    {
        ['Ĳ'] = "IJ", ['ĳ'] = "ij", ['ŉ'] = "ʼn",
        ['Ǳ'] = "DZ", ['ǲ'] = "Dz", ['ǳ'] = "dz", ['Ǆ'] = "DŽ", ['ǅ'] = "Dž", ['ǆ'] = "dž",
        ['Ǉ'] = "LJ", ['ǈ'] = "Lj", ['ǉ'] = "lj", ['Ǌ'] = "NJ", ['ǋ'] = "Nj", ['ǌ'] = "nj",
        ['ﬀ'] = "ff", ['ﬁ'] = "fi", ['ﬂ'] = "fl", ['ﬃ'] = "ffi", ['ﬄ'] = "ffl", ['ﬅ'] = "ſt", ['ﬆ'] = "st",
    };

    public static string Fix(string text) => CharacterMap.Apply(text, letters);
}

/// <summary>Every kind of line break (CRLF, CR, U+2028, U+2029, NEL U+0085) becomes "\n".</summary>
public static class LineBreaks
{
    public static string Fix(string text) =>
        text.Replace("\r\n", "\n").Replace('\r', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').Replace('\u0085', '\n');
}

/// <summary>
/// A lone UTF-16 surrogate cannot be encoded (or normalised), so it becomes U+FFFD. Properly paired
/// surrogates are already the character they encode in a .NET string.
/// </summary>
public static class Surrogates
{
    public static string Fix(string text)
    {
        char[]? chars = null;
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(text[i]))
            {
                chars ??= text.ToCharArray();
                chars[i] = '\uFFFD';
            }
        }
        return chars is null ? text : new string(chars);
    }
}

/// <summary>ANSI terminal escapes (colours, cursor moves) such as "\x1b[36m" are dropped: they are not text.</summary>
public static partial class TerminalEscapes
{
    [GeneratedRegex(@"\x1B\[[\d;]*[a-zA-Z]")]
    private static partial Regex Escape();

    public static string Remove(string text) => text.Contains('\x1B') ? Escape().Replace(text, "") : text;
}

/// <summary>Python's <c>str.translate</c> for a map of single UTF-16 characters to replacement strings.</summary>
static class CharacterMap
{
    public static string Apply(string text, IReadOnlyDictionary<char, string> map)
    {
        int first = 0;
        while (first < text.Length && !map.ContainsKey(text[first])) first++;
        if (first == text.Length) return text;

        var result = new StringBuilder(text.Length + 8).Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            if (map.TryGetValue(text[i], out string? replacement)) result.Append(replacement);
            else result.Append(text[i]);
        }
        return result.ToString();
    }
}
