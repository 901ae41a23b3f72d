using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.IO;

namespace ClipNet.Training;

/// <summary>
/// Training metrics as JSON Lines, one object per step or evaluation, flushed as written so a crash keeps
/// everything logged so far. On resume, records after the checkpoint's step are dropped: those steps will be
/// taken again.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly StreamWriter writer;
    public string Path { get; }

    public MetricsLog(string path, int resumeFromStep)
    {
        Path = path;
        var kept = File.Exists(path) && resumeFromStep > 0
            ? File.ReadLines(path).Where(line => StepOf(line) <= resumeFromStep).ToList()
            : [];
        AtomicFile.WriteAllText(path, string.Concat(kept.Select(line => line + Environment.NewLine)));
        writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    public void Write(JsonObject record) => writer.WriteLine(record.ToJsonString());

    public static IEnumerable<JsonObject> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject());

    static int StepOf(string line)
    {
        try { return (int?)JsonNode.Parse(line)?["step"] ?? int.MaxValue; }
        catch (JsonException) { return int.MaxValue; }
    }

    public void Dispose() => writer.Dispose();
}
