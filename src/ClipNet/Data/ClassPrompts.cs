namespace ClipNet.Data;

/// <summary>
/// Class names and the prompt templates that turn a class name into captions ("a photo of a {}."),
/// for zero-shot classification and for captioning datasets that only have labels. A class may have
/// several names (<see cref="Synonyms"/>, as FER2013's "happy" / "smiling"); its prompts cover them all.
/// </summary>
public sealed record ClassPrompts(IReadOnlyList<string> Classes, IReadOnlyList<string> Templates)
{
    /// <summary>Every name of each class, the first being its entry in <see cref="Classes"/>; null when each class has one name.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Synonyms { get; init; }

    public IReadOnlyList<string> NamesOf(int classIndex) => Synonyms?[classIndex] ?? [Classes[classIndex]];

    /// <summary>Every template filled with every name of the class: names in order, templates in order within each.</summary>
    public IReadOnlyList<string> Prompts(int classIndex) => [.. NamesOf(classIndex).SelectMany(name => Fill(Templates, name))];

    /// <summary>Every template filled with <paramref name="className"/>, in template order.</summary>
    public IReadOnlyList<string> Fill(string className) => Fill(Templates, className);

    public static IReadOnlyList<string> Fill(IReadOnlyList<string> templates, string className) =>
        [.. templates.Select(t => t.Replace("{}", className))];
}
