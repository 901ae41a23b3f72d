using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>
/// Images with captions (and, where the format has them, class labels), read by index. Training loaders and
/// evaluation both read through this, so a dataset format is written once.
/// </summary>
public interface IImageTextDataset
{
    /// <summary>The path the dataset was opened from, for messages.</summary>
    string Name { get; }

    int Count { get; }

    /// <summary>Class names, indexed by <see cref="ImageTextSample.Label"/>; null when the format has no classes.</summary>
    IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Items left out while opening (a manifest row whose image file is missing, a shard entry without a caption).</summary>
    IReadOnlyList<SkippedSample> SkippedWhenOpened { get; }

    /// <summary>
    /// Reads and decodes item <paramref name="index"/>. Safe to call from several threads at once. A file
    /// that cannot be read or decoded throws <see cref="ClipNetException"/> naming it.
    /// </summary>
    ImageTextSample Load(int index);

    /// <summary>Where item <paramref name="index"/> comes from ("data.tsv line 12 (img/cat.jpg)"), for messages.</summary>
    string Describe(int index);
}

/// <summary>An item left out of training or evaluation: where it comes from and why it was left out.</summary>
public sealed record SkippedSample(string Sample, string Reason)
{
    public override string ToString() => $"{Sample}: {Reason}";
}

/// <summary>
/// One item of a dataset: the image as decoded (its own mode, not yet resized), every caption that goes
/// with it, and its class index into <see cref="IImageTextDataset.ClassNames"/>, or <see cref="NoLabel"/>.
/// </summary>
public sealed record ImageTextSample(DecodedImage Image, IReadOnlyList<string> Captions, int Label)
{
    public const int NoLabel = -1;
}
