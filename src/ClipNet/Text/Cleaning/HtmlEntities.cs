using System.Reflection;
using System.Text.RegularExpressions;
using System.Text;

namespace ClipNet.Text;

// HTML character references: the HTML5 table, ftfy's cautious repair and Python's html.unescape.

/// <summary>
/// The HTML5 named character references, keyed as Python's <c>html.entities.html5</c> keys them: the name
/// with its trailing ';', plus the legacy names that browsers also accept without one (<c>amp</c>, <c>copy</c>).
/// Loaded from the embedded <c>Resources/html5-entities.txt</c>.
/// </summary>
static class Html5Entities
{
    static readonly Lazy<Dictionary<string, string>> table = new(Load);

    public static IReadOnlyDictionary<string, string> ByName => table.Value;

    static Dictionary<string, string> Load()
    {
        const string resource = "ClipNet.Text.Resources.html5-entities.txt";
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource {resource} is missing from the ClipNet assembly.");
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var entities = new Dictionary<string, string>(2300, StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            int tab = line.IndexOf('\t');
            var text = new StringBuilder(2);
            foreach (string hex in line[(tab + 1)..].Split(' '))
                text.Append(char.ConvertFromUtf32(Convert.ToInt32(hex, 16)));
            entities[line[..tab]] = text.ToString();
        }
        return entities;
    }
}

/// <summary>
/// ftfy's cautious HTML unescaping, applied to text that contains no '&lt;' (and so is not HTML): only
/// complete references ending in ';' are decoded, so informal text like "this&amp;not that" survives. Named
/// references may also be written in capitals (<c>P&amp;EACUTE;REZ</c> is "PÉREZ"), for the names where
/// that is unambiguous.
/// </summary>
public static partial class HtmlEntityRepair
{
    [GeneratedRegex("&#?[0-9A-Za-z]{1,24};")]
    private static partial Regex Reference();

    static readonly Lazy<Dictionary<string, string>> entities = new(Build);

    public static string Unescape(string text) =>
        text.Contains('&') ? Reference().Replace(text, match => Decode(match.Value)) : text;

    static string Decode(string reference)
    {
        if (entities.Value.TryGetValue(reference, out string? decoded)) return decoded;
        if (reference.StartsWith("&#", StringComparison.Ordinal))
        {
            // A numeric reference the standard decoder reads only partly (leaving the ';') is not a reference.
            string numeric = PythonHtmlUnescape.Unescape(reference);
            return numeric.Contains(';') ? reference : numeric;
        }
        return reference;
    }

    static Dictionary<string, string> Build()
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in Html5Entities.ByName)
        {
            if (!name.EndsWith(';')) continue;
            table["&" + name] = value;
            // The capitalised form of an all-lowercase name, unless it already means something else.
            if (name == name.ToLowerInvariant())
            {
                string upper = "&" + name.ToUpperInvariant();
                if (PythonHtmlUnescape.Unescape(upper) == upper) table[upper] = Capitalize(value);
            }
        }
        return table;
    }

    // Python's str.upper() of an entity's value. Among the entities that get a capitalised form, only the
    // Latin ligatures, ß and ŉ have an uppercase longer than themselves; the rest map one to one.
    static string Capitalize(string value) => value switch
    {
        "\uFB00" => "FF", "\uFB01" => "FI", "\uFB02" => "FL", "\uFB03" => "FFI", "\uFB04" => "FFL",
        "\u00DF" => "SS", "\u0149" => "\u02BCN",
        _ => value.ToUpperInvariant(),
    };
}

/// <summary>
/// Python's <c>html.unescape</c>, which the reference applies twice after ftfy. It follows the HTML5
/// rules, which are looser than .NET's <see cref="System.Net.WebUtility.HtmlDecode(string)"/>: a missing ';'
/// is accepted for legacy names (<c>&amp;copy</c>) and for numeric references, the longest known prefix of
/// an unknown name is decoded (<c>&amp;notit;</c> is <c>¬it;</c>), and numeric references to C1 controls
/// mean their Windows-1252 characters.
/// </summary>
public static partial class PythonHtmlUnescape
{
    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")]
    private static partial Regex CharacterReference();

    public static string Unescape(string text)
    {
        if (!text.Contains('&')) return text;
        return CharacterReference().Replace(text, match => Replace(match.Groups[1].Value));
    }

    static string Replace(string reference)
    {
        if (reference[0] == '#') return Numeric(reference);

        var entities = Html5Entities.ByName;
        if (entities.TryGetValue(reference, out string? decoded)) return decoded;
        for (int length = reference.Length - 1; length > 1; length--)
            if (entities.TryGetValue(reference[..length], out decoded))
                return decoded + reference[length..];
        return "&" + reference;
    }

    static string Numeric(string reference)
    {
        bool hex = reference[1] is 'x' or 'X';
        ReadOnlySpan<char> digits = reference.AsSpan(hex ? 2 : 1).TrimEnd(';');
        // Saturate instead of overflowing: anything above U+10FFFF decodes the same way.
        long value = 0;
        foreach (char d in digits)
        {
            int digit = d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10;
            value = value * (hex ? 16 : 10) + digit;
            if (value > 0x110000) value = 0x110000;
        }

        if (value == 0) return "\uFFFD";
        if (value is >= 0x80 and <= 0x9F) return SingleByteEncoding.SloppyWindows1252.Decode((byte)value).ToString();
        if (value is >= 0xD800 and <= 0xDFFF or > 0x10FFFF) return "\uFFFD";
        if (IsInvalidCodePoint((int)value)) return "";
        return char.ConvertFromUtf32((int)value);
    }

    // Control characters and non-characters that HTML5 forbids as references; Python drops them.
    static bool IsInvalidCodePoint(int c) =>
        c is >= 0x01 and <= 0x08 or 0x0B or >= 0x0E and <= 0x1F or 0x7F or >= 0xFDD0 and <= 0xFDEF
        || (c & 0xFFFE) == 0xFFFE;
}
