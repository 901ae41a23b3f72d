using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>
/// torchvision's <c>ImageFolder</c> layout: one sub-folder per class, sorted by name, images anywhere below
/// it. The class name is the folder name with underscores read as spaces (<c>golden_retriever</c> →
/// "golden retriever"), and an image's captions are the prompt templates filled with its class name.
/// </summary>
public sealed class ImageFolderDataset : IImageTextDataset
{
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    readonly IReadOnlyList<(string Path, int Label)> images;
    readonly IReadOnlyList<IReadOnlyList<string>> captionsByClass;

    ImageFolderDataset(string name, IReadOnlyList<string> classNames, IReadOnlyList<(string, int)> images, IReadOnlyList<string> templates)
    {
        Name = name;
        ClassNames = classNames;
        this.images = images;
        captionsByClass = [.. classNames.Select(c => ClassPrompts.Fill(templates, c))];
    }

    public string Name { get; }
    public int Count => images.Count;
    public IReadOnlyList<string>? ClassNames { get; }
    public IReadOnlyList<SkippedSample> SkippedWhenOpened => [];

    public static ImageFolderDataset Open(string folder, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (!Directory.Exists(folder)) throw new ClipNetException($"{folder}: folder not found");
        if (options.Templates.Count == 0) throw new ClipNetException($"{folder}: an image folder needs at least one prompt template to caption its images");
        var classFolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToList();
        var images = new List<(string, int)>();
        for (int label = 0; label < classFolders.Count; label++)
            images.AddRange(Directory.EnumerateFiles(classFolders[label], "*", SearchOption.AllDirectories)
                .Where(IsImageFile)
                .Order(StringComparer.Ordinal)
                .Select(path => (path, label)));
        if (images.Count == 0)
            throw new ClipNetException(
                $"{folder}: no images found in class sub-folders (expected <class>/<image> with {string.Join(", ", ImageExtensions)}); the dataset is empty");
        var classNames = classFolders.Select(f => Path.GetFileName(f).Replace('_', ' ')).ToList();
        return new ImageFolderDataset(folder, classNames, images, options.Templates);
    }

    public static bool IsImageFile(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    public ImageTextSample Load(int index)
    {
        var (path, label) = images[index];
        return new ImageTextSample(ImageDecoder.Decode(path), captionsByClass[label], label);
    }

    public string Describe(int index) => images[index].Path;
}
