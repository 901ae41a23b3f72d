using System.Text.RegularExpressions;
using System.Text;

namespace ClipNet.Text;

// Undoing mojibake (UTF-8 decoded with a single-byte code page), as ftfy.fix_encoding does.

/// <summary>
/// ftfy's <c>fix_encoding</c>, reduced to its decoding steps: undo text that was UTF-8 but was decoded with
/// a single-byte code page, possibly several times over. ftfy decides whether text "looks bad" with a
/// curated table of unlikely character pairs; this subset uses <see cref="MojibakeDetector"/> instead and
/// relies on the strict UTF-8 decode to reject text that was fine.
/// </summary>
public static class MojibakeRepair
{
    public static string FixEncoding(string text)
    {
        while (true)
        {
            string fixedText = FixOneLayer(text);
            if (fixedText == text) return text;
            text = fixedText;
        }
    }

    static string FixOneLayer(string text)
    {
        if (text.Length == 0 || IsAscii(text) || !MojibakeDetector.LooksBad(text)) return text;

        // The whole string re-encoded in one code page and decoded as UTF-8: the common, clean case.
        foreach (var encoding in SingleByteEncoding.MojibakeCandidates)
        {
            byte[]? bytes = encoding.TryEncode(text);
            if (bytes is null) continue;
            // A space can stand for a lost 0xA0 byte, except in Mac Roman, where "– " would turn into UTF-8.
            if (encoding.Name != "macroman" && RestoreByteA0.Applies(bytes)) bytes = RestoreByteA0.Apply(bytes);
            if (encoding.IsSloppy) bytes = LossySequences.Replace(bytes);
            if (Utf8Variants.TryDecode(bytes) is { } decoded) return decoded;
        }

        // Mojibake mixed with correct text: fix each UTF-8-shaped run on its own.
        string mixed = MojibakeDetector.ReplaceRuns(text, run =>
            run.Length < text.Length && MojibakeDetector.LooksBad(run.Value) ? FixEncoding(run.Value) : run.Value);
        if (mixed != text) return mixed;

        // Leftover C1 controls were almost certainly Windows-1252 characters read as Latin-1.
        return C1Controls.Fix(text);
    }

    static bool IsAscii(string text)
    {
        foreach (char c in text)
            if (c >= 0x80) return false;
        return true;
    }
}

/// <summary>
/// Finds runs of characters shaped like UTF-8 that was decoded with a Latin-1-like code page: a character
/// that one of those code pages decodes from a UTF-8 lead byte, followed by as many characters decoded from
/// continuation bytes (0x80..0xBF) as that lead byte announces. A space may stand for a continuation byte,
/// since 0xA0 is often turned into a space. The character classes are derived from the code pages
/// themselves, so they cover exactly the characters such mojibake can contain.
/// </summary>
static class MojibakeDetector
{
    static readonly Regex utf8Shaped = Build();

    /// <summary>
    /// Whether <paramref name="text"/> looks as if it contains mojibake: C1 controls, or a UTF-8-shaped run
    /// with a telltale character in it. Runs made only of letters are let through, because real Greek or
    /// Cyrillic words in capitals ("ΣΊΣΥΦΟΣ") can have that shape; the UTF-8 continuation bytes of real
    /// mojibake mostly decode to symbols and punctuation (€, ™, ©, ±, ...). A lone "Ã " or "Â " is the
    /// exception: it is "à" or a no-break space whose 0xA0 byte was turned into a space.
    /// </summary>
    public static bool LooksBad(string text) =>
        C1Controls.Contains(text) || utf8Shaped.Matches(text).Any(run => HasTelltale(run.Value));

    static bool HasTelltale(string run) =>
        run.Contains("\u00C3 ") || run.Contains("\u00C2 ") || run.Any(c => c != ' ' && !char.IsLetter(c));

    /// <summary>Replaces each UTF-8-shaped run with the result of <paramref name="fix"/>.</summary>
    public static string ReplaceRuns(string text, MatchEvaluator fix) => utf8Shaped.Replace(text, fix);

    static Regex Build()
    {
        // ftfy's "Latin-1-like" code pages: the ones whose lower half is ASCII and whose mojibake is common.
        var codePages = SingleByteEncoding.MojibakeCandidates.Where(e => e == SingleByteEncoding.Latin1 || e.IsSloppy).ToList();
        string Class(int first, int last, string extra = "")
        {
            var chars = new SortedSet<char>(extra);
            foreach (var encoding in codePages)
                for (int b = first; b <= last; b++)
                {
                    char c = encoding.Decode((byte)b);
                    if (c >= 0x80) chars.Add(c);
                }
            var set = new StringBuilder("[");
            foreach (char c in chars) set.Append(@"\u").Append(((int)c).ToString("X4"));
            return set.Append(']').ToString();
        }

        string continuation = Class(0x80, 0xBF, " ");
        string strictContinuation = Class(0x80, 0xBF);
        string pattern =
            $"(?<!{strictContinuation})(?:{Class(0xC2, 0xDF)}{continuation}" +
            $"|{Class(0xE0, 0xEF)}{continuation}{{2}}" +
            $"|{Class(0xF0, 0xF4)}{continuation}{{3}})+";
        return new Regex(pattern, RegexOptions.CultureInvariant);
    }
}

/// <summary>
/// A single-byte encoding as ftfy uses it to undo mojibake: text that was UTF-8 but got decoded with one of
/// these is encoded back to its bytes and decoded again as UTF-8. The "sloppy" Windows code pages decode the
/// bytes their standard leaves undefined as the Latin-1 character of the same value (as browsers do), so
/// that every byte string round-trips, and byte 0x1A stands for U+FFFD (a byte lost to a replacement
/// character earlier; see <see cref="LossySequences"/>).
/// </summary>
public sealed class SingleByteEncoding
{
    public string Name { get; }
    public bool IsSloppy { get; }

    readonly char[] decode = new char[256];
    readonly Dictionary<char, byte> encode = new(256);

    SingleByteEncoding(string name, bool sloppy, Func<byte, char> decodeByte)
    {
        Name = name;
        IsSloppy = sloppy;
        for (int b = 255; b >= 0; b--)
        {
            char c = sloppy && b == 0x1A ? '\uFFFD' : decodeByte((byte)b);
            decode[b] = c;
            encode[c] = (byte)b; // descending, so a character that two bytes decode to encodes as the lower one
        }
    }

    public static SingleByteEncoding Latin1 { get; } = new("latin-1", false, b => (char)b);
    public static SingleByteEncoding SloppyWindows1252 { get; } = CodePage("sloppy-windows-1252", 1252, true);

    /// <summary>The encodings ftfy tries, in its order: the likeliest mistakes first.</summary>
    public static IReadOnlyList<SingleByteEncoding> MojibakeCandidates { get; } =
    [
        Latin1,
        SloppyWindows1252,
        CodePage("sloppy-windows-1251", 1251, true),
        CodePage("sloppy-windows-1250", 1250, true),
        CodePage("sloppy-windows-1253", 1253, true),
        CodePage("sloppy-windows-1254", 1254, true),
        CodePage("sloppy-windows-1257", 1257, true),
        CodePage("iso-8859-2", 28592, false),
        CodePage("macroman", 10000, false),
        CodePage("cp437", 437, false),
    ];

    public char Decode(byte value) => decode[value];

    /// <summary>Encodes <paramref name="text"/>, or returns null if some character has no byte here.</summary>
    public byte[]? TryEncode(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
            if (!encode.TryGetValue(text[i], out bytes[i])) return null;
        return bytes;
    }

    static SingleByteEncoding CodePage(string name, int codePage, bool sloppy)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var encoding = Encoding.GetEncoding(codePage);
        return new SingleByteEncoding(name, sloppy, b =>
        {
            // Python's Mac Roman table (which the reference uses) predates Apple's switch of 0xBD to the Ohm sign.
            if (codePage == 10000 && b == 0xBD) return '\u03A9';
            char c = encoding.GetString([b])[0];
            // .NET decodes a few bytes that the standard leaves undefined to private-use characters, the rest
            // to the C1 control of the same value; the sloppy rule wants the latter for all of them.
            return c is >= '\uE000' and <= '\uF8FF' ? (char)b : c;
        });
    }
}

/// <summary>
/// A strict UTF-8 decoder that also accepts two non-standard forms found in the wild: CESU-8, where a
/// character above U+FFFF is written as the UTF-8 of its two UTF-16 surrogates (six bytes starting with
/// 0xED), and Java's "modified UTF-8", which writes U+0000 as C0 80.
/// </summary>
static class Utf8Variants
{
    /// <summary>The decoded text, or null if the bytes are not valid in any of the accepted forms.</summary>
    public static string? TryDecode(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            if (IsCesu8SurrogatePair(bytes, i))
            {
                int high = 0xD000 | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F);
                int low = 0xD000 | ((bytes[i + 4] & 0x3F) << 6) | (bytes[i + 5] & 0x3F);
                text.Append((char)high).Append((char)low);
                i += 6;
                continue;
            }
            if (bytes[i] == 0xC0 && i + 1 < bytes.Length && bytes[i + 1] == 0x80)
            {
                text.Append('\0');
                i += 2;
                continue;
            }
            if (Rune.DecodeFromUtf8(bytes.AsSpan(i), out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
                return null;
            text.Append(rune.ToString());
            i += consumed;
        }
        return text.ToString();
    }

    static bool IsCesu8SurrogatePair(byte[] b, int i) =>
        i + 5 < b.Length
        && b[i] == 0xED && b[i + 1] is >= 0xA0 and <= 0xAF && b[i + 2] is >= 0x80 and <= 0xBF
        && b[i + 3] == 0xED && b[i + 4] is >= 0xB0 and <= 0xBF && b[i + 5] is >= 0x80 and <= 0xBF;
}

/// <summary>
/// Mojibake that went through a strict decoder has some bytes replaced by U+FFFD (encoded back as byte
/// 0x1A by the sloppy encodings) or by '?'. Where such a byte sits inside what is otherwise a UTF-8
/// sequence, the whole sequence becomes one U+FFFD instead of making the string undecodable.
/// </summary>
static partial class LossySequences
{
    [GeneratedRegex(
        @"[\xC2-\xDF][\x1A]" +
        @"|[\xC2-\xC3][?]" +
        @"|\xED[\xA0-\xAF][\x1A?]\xED[\xB0-\xBF][\x1A?\x80-\xBF]" +
        @"|\xED[\xA0-\xAF][\x1A?\x80-\xBF]\xED[\xB0-\xBF][\x1A?]" +
        @"|[\xE0-\xEF][\x1A?][\x1A\x80-\xBF]" +
        @"|[\xE0-\xEF][\x1A\x80-\xBF][\x1A?]" +
        @"|[\xF0-\xF4][\x1A?][\x1A\x80-\xBF][\x1A\x80-\xBF]" +
        @"|[\xF0-\xF4][\x1A\x80-\xBF][\x1A?][\x1A\x80-\xBF]" +
        @"|[\xF0-\xF4][\x1A\x80-\xBF][\x1A\x80-\xBF][\x1A?]" +
        @"|\x1A")]
    private static partial Regex LossyUtf8();

    const string Utf8ReplacementCharacter = "\u00EF\u00BF\u00BD";

    public static byte[] Replace(byte[] bytes) =>
        ByteString.ToBytes(LossyUtf8().Replace(ByteString.FromBytes(bytes), Utf8ReplacementCharacter));
}

/// <summary>
/// Some programs "helpfully" turn byte 0xA0 (a no-break space in Windows-1252) into a plain space. In
/// mojibake that byte was often the continuation byte of a UTF-8 character, so the sequence no longer
/// decodes. ftfy puts 0xA0 back where a space sits inside what otherwise looks like a UTF-8 sequence.
/// </summary>
static partial class RestoreByteA0
{
    // Lead bytes and positions where a space very probably replaced 0xA0: the two-byte leads whose 0xA0
    // character is common (U+A0, à, Š, Π, Р, Arabic zero), three-byte sequences of scripts that mojibake
    // often comes from, and four-byte sequences starting with F0 (emoji).
    [GeneratedRegex(
        @"[\xC2\xC3\xC5\xCE\xD0\xD9][ ]" +
        @"|[\xE2\xE3][ ][\x80-\x84\x86-\x9F\xA1-\xBF]" +
        @"|[\xE0-\xE3][\x80-\x84\x86-\x9F\xA1-\xBF][ ]" +
        @"|\xF0[ ][\x80-\xBF][\x80-\xBF]" +
        @"|\xF0[\x80-\xBF][ ][\x80-\xBF]" +
        @"|\xF0[\x80-\xBF][\x80-\xBF][ ]")]
    private static partial Regex AlteredUtf8();

    // "Ã " standing alone is nearly always the French/Portuguese word "à" followed by a space, so keep the
    // space as well; the exceptions are Portuguese contractions (às, àquele, ...) written without one.
    [GeneratedRegex(@"\xC3 (?! |quele|quela|quilo|s )")]
    private static partial Regex AGraveWord();

    /// <summary>Whether these bytes contain a sequence that a restored 0xA0 would make valid UTF-8.</summary>
    public static bool Applies(byte[] bytes) => AlteredUtf8().IsMatch(ByteString.FromBytes(bytes));

    public static byte[] Apply(byte[] bytes)
    {
        string text = AGraveWord().Replace(ByteString.FromBytes(bytes), "\u00C3\u00A0 ");
        text = AlteredUtf8().Replace(text, match => match.Value.Replace(' ', '\u00A0'));
        return ByteString.ToBytes(text);
    }
}

/// <summary>
/// Bytes held as a string of U+0000..U+00FF characters, so that byte patterns can be matched with .NET
/// regular expressions (<c>[\xC2-\xDF]</c> then means byte values, as in Python's <c>bytes</c> patterns).
/// </summary>
static class ByteString
{
    public static string FromBytes(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    public static byte[] ToBytes(string text) => Encoding.Latin1.GetBytes(text);
}
