using System.Text;

namespace ClipNet.Data;

/// <summary>
/// Reads CSV or TSV records as RFC 4180 (and pandas) do: a field that starts with a double quote runs to the
/// matching quote and may hold the delimiter, line breaks and doubled quotes (<c>""</c>); blank lines are
/// skipped. Records are streamed, so a manifest of millions of rows is never held as text.
/// </summary>
internal static class DelimitedText
{
    public static char DelimiterFor(string path) =>
        Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? ',' : '\t';

    /// <summary>Each record with the line it starts on (1-based).</summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(string path, char delimiter)
    {
        using var reader = OpenReader(path);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool inQuotes = false, afterClosingQuote = false, fieldStarted = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            char ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"' && reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                else if (ch == '"') { inQuotes = false; afterClosingQuote = true; }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            if (ch == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                afterClosingQuote = false;
                fieldStarted = true;
                continue;
            }
            if (ch is '\n' or '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                if (fieldStarted || fields.Count > 0)
                {
                    fields.Add(field.ToString());
                    yield return (recordLine, fields.ToArray());
                }
                fields.Clear(); field.Clear();
                afterClosingQuote = fieldStarted = false;
                recordLine = ++line;
                continue;
            }
            if (afterClosingQuote)
                throw new ClipNetException($"{path} line {line}: text after the closing quote of a field; a quote inside a quoted field must be doubled (\"\")");
            if (ch == '"' && field.Length == 0)
            {
                inQuotes = true;
                fieldStarted = true;
                continue;
            }
            field.Append(ch);
            fieldStarted = true;
        }
        if (inQuotes)
            throw new ClipNetException($"{path} line {recordLine}: a quoted field is never closed");
        if (fieldStarted || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields.ToArray());
        }
    }

    static StreamReader OpenReader(string path)
    {
        try
        {
            return new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipNetException($"{path}: cannot read the file ({e.Message})", e);
        }
    }
}
