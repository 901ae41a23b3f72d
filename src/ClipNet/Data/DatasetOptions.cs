namespace ClipNet.Data;

/// <summary>How to read a dataset whose format leaves choices open. Each format uses only the settings that apply to it.</summary>
public sealed record DatasetOptions
{
    /// <summary>Manifest column holding the image path (absolute, or relative to the manifest's folder).</summary>
    public string ImageColumn { get; init; } = "image";

    /// <summary>Manifest column holding the caption.</summary>
    public string CaptionColumn { get; init; } = "caption";

    /// <summary>Optional manifest column holding a class name; the classes are its distinct values, sorted.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>
    /// Prompt templates that caption an image of class c (an image folder, or a CIFAR-layout set without
    /// <c>captions.tsv</c>): each template with <c>{}</c> replaced by c is one caption.
    /// </summary>
    public IReadOnlyList<string> Templates { get; init; } = PromptTemplates.Default;
}
