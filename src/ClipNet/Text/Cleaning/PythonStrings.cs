using System.Globalization;
using System.Text;

namespace ClipNet.Text;

// Python's string semantics where .NET differs: lower-casing with full case mappings and the two notions
// of whitespace.

/// <summary>
/// Python's <c>str.lower()</c>, which the reference applies to the cleaned text. It uses full case mappings
/// where .NET's <see cref="string.ToLowerInvariant"/> uses simple ones, which matters in two places: 'İ'
/// (U+0130) becomes "i" + combining dot above (U+0307), and a capital sigma at the end of a word becomes the
/// final form 'ς' instead of 'σ'.
/// </summary>
public static class PythonLowercase
{
    public static string Lower(string text)
    {
        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int width) != System.Buffers.OperationStatus.Done)
            {
                result.Append(text[i]);
                i++;
                continue;
            }
            if (rune.Value == 0x130) result.Append("i\u0307");
            else if (rune.Value == 0x3A3) result.Append(IsFinalSigma(text, i) ? 'ς' : 'σ');
            else if (ReferenceUnicode.Category(rune) == UnicodeCategory.OtherNotAssigned) result.Append(rune.ToString());
            else result.Append(Rune.ToLowerInvariant(rune).ToString());
            i += width;
        }
        return result.ToString();
    }

    // Unicode's Final_Sigma condition, as Python checks it: a cased letter before the sigma (skipping
    // case-ignorable characters such as apostrophes and accents), and no cased letter after it.
    static bool IsFinalSigma(string text, int sigmaIndex)
    {
        Rune? before = null;
        for (int j = sigmaIndex; j > 0;)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, j), out Rune r, out int w);
            j -= w;
            if (!CaseProperties.IsCaseIgnorable(r)) { before = r; break; }
        }
        if (before is not { } b || !CaseProperties.IsCased(b)) return false;

        for (int j = sigmaIndex + 1; j < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(j), out Rune r, out int w);
            j += w;
            if (!CaseProperties.IsCaseIgnorable(r)) return !CaseProperties.IsCased(r);
        }
        return true;
    }
}

/// <summary>
/// The Unicode properties Cased and Case_Ignorable, which .NET does not expose. Each is a set of general
/// categories plus a short list of extra characters (from Unicode's DerivedCoreProperties, in the version
/// Python 3.11 uses).
/// </summary>
static class CaseProperties
{
    // Other_Lowercase and Other_Uppercase: letters without case mappings that still count as cased
    // (ª, modifier letters like ʰ, Roman numerals, circled letters).
    static readonly (int First, int Last)[] otherCased =
    [
        (0xAA, 0xAA), (0xBA, 0xBA), (0x2B0, 0x2B8), (0x2C0, 0x2C1), (0x2E0, 0x2E4), (0x345, 0x345),
        (0x37A, 0x37A), (0x10FC, 0x10FC), (0x1D2C, 0x1D6A), (0x1D78, 0x1D78), (0x1D9B, 0x1DBF),
        (0x2071, 0x2071), (0x207F, 0x207F), (0x2090, 0x209C), (0x2160, 0x217F), (0x24B6, 0x24E9),
        (0x2C7C, 0x2C7D), (0xA69C, 0xA69D), (0xA770, 0xA770), (0xA7F2, 0xA7F4), (0xA7F8, 0xA7F9),
        (0xAB5C, 0xAB5F), (0xAB69, 0xAB69), (0x10780, 0x10780), (0x10783, 0x10785), (0x10787, 0x107B0),
        (0x107B2, 0x107BA), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189),
    ];

    // Word_Break MidLetter / MidNumLet / Single_Quote characters, which are case-ignorable whatever their
    // category (the apostrophe in "ΟΔΥΣΣΕΥΣ'" does not end the word).
    static readonly int[] otherCaseIgnorable =
    [
        0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
        0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A, 0x1171E,
    ];

    public static bool IsCased(Rune rune) =>
        ReferenceUnicode.Category(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter
        || otherCased.Any(r => rune.Value >= r.First && rune.Value <= r.Last);

    public static bool IsCaseIgnorable(Rune rune) =>
        ReferenceUnicode.Category(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || Array.IndexOf(otherCaseIgnorable, rune.Value) >= 0;
}

/// <summary>
/// The two notions of whitespace the reference mixes: <c>str.strip()</c> trims Python's <c>isspace()</c>
/// characters, while <c>regex.sub(r'\s+', ' ', ...)</c> collapses the Unicode White_Space characters.
/// </summary>
public static class PythonWhitespace
{
    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && ReferenceUnicode.IsPythonSpace(text[start])) start++;
        while (end > start && ReferenceUnicode.IsPythonSpace(text[end - 1])) end--;
        return text[start..end];
    }

    public static string CollapseRuns(string text)
    {
        var result = new StringBuilder(text.Length);
        bool inRun = false;
        foreach (char c in text)
        {
            if (ReferenceUnicode.IsRegexWhiteSpace(c))
            {
                if (!inRun) result.Append(' ');
                inRun = true;
            }
            else
            {
                result.Append(c);
                inRun = false;
            }
        }
        return result.ToString();
    }
}
