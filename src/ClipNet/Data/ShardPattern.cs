using System.Globalization;

namespace ClipNet.Data;

/// <summary>
/// WebDataset's shard lists: braces expand as in a shell (<c>shards-{000..009}.tar</c> keeps the zero
/// padding, <c>{train,extra}.tar</c> lists alternatives), then <c>*</c> and <c>?</c> in the file name match
/// existing files in sorted order.
/// </summary>
public static class ShardPattern
{
    public static bool IsPattern(string path) => path.IndexOfAny(['{', '*', '?']) >= 0;

    /// <summary>The shard files, in order; a shard that does not exist is an error naming it.</summary>
    public static IReadOnlyList<string> Expand(string pattern)
    {
        var shards = new List<string>();
        foreach (var path in ExpandBraces(pattern))
        {
            if (Path.GetFileName(path).IndexOfAny(['*', '?']) < 0)
            {
                if (!File.Exists(path)) throw new ClipNetException($"{path}: shard not found{(path == pattern ? "" : $" (from {pattern})")}");
                shards.Add(path);
                continue;
            }
            string folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            if (!Directory.Exists(folder)) throw new ClipNetException($"{pattern}: folder {folder} not found");
            var matches = Directory.GetFiles(folder, Path.GetFileName(path)).Order(StringComparer.Ordinal).ToList();
            if (matches.Count == 0) throw new ClipNetException($"{pattern}: no file matches {path}");
            shards.AddRange(matches);
        }
        return shards;
    }

    /// <summary>Brace expansion only, without looking at the disk.</summary>
    public static IReadOnlyList<string> ExpandBraces(string pattern)
    {
        int open = pattern.IndexOf('{');
        if (open < 0) return [pattern];
        int close = pattern.IndexOf('}', open);
        if (close < 0) throw new ClipNetException($"{pattern}: '{{' without a matching '}}'");
        string prefix = pattern[..open], body = pattern[(open + 1)..close], rest = pattern[(close + 1)..];
        var tails = ExpandBraces(rest);
        return [.. Alternatives(pattern, body).SelectMany(a => tails.Select(t => prefix + a + t))];
    }

    static IEnumerable<string> Alternatives(string pattern, string body)
    {
        int dots = body.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0) return body.Split(',');
        string first = body[..dots], last = body[(dots + 2)..];
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out long from)
            || !long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long to) || to < from)
            throw new ClipNetException($"{pattern}: '{{{body}}}' is not a range like {{000..009}} (two non-negative integers, the first not larger)");
        // A leading zero on either end means fixed-width numbers, as in bash.
        int width = first.StartsWith('0') || last.StartsWith('0') ? Math.Max(first.Length, last.Length) : 0;
        return Range(from, to).Select(n => n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0'));
    }

    static IEnumerable<long> Range(long from, long to)
    {
        for (long n = from; n <= to; n++) yield return n;
    }
}
