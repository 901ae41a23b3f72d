namespace ClipNet.Data;

/// <summary>
/// Opens a dataset, telling its format from the path: a folder with <c>images.bin</c> is the CIFAR layout,
/// a <c>.tsv</c> or <c>.csv</c> file a manifest, a <c>.tar</c> file, a shard pattern (<c>{000..009}</c>,
/// <c>*</c>) or a folder of <c>.tar</c> files WebDataset shards, and a folder of class sub-folders an image folder.
/// </summary>
public static class DatasetFactory
{
    public static IImageTextDataset Open(string path, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        if (string.IsNullOrWhiteSpace(path)) throw new ClipNetException("no dataset path given");
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".tsv" or ".csv") return ManifestDataset.Open(path, options);
        if (ShardPattern.IsPattern(path) || (extension == ".tar" && !Directory.Exists(path))) return WebDataset.Open(path);
        if (File.Exists(path))
            throw new ClipNetException($"{path}: unknown dataset format; expected a .tsv or .csv manifest, .tar shards, or a folder");
        if (!Directory.Exists(path)) throw new ClipNetException($"{path}: no such file or folder");
        if (CifarBinaryDataset.IsCifarFolder(path)) return CifarBinaryDataset.Open(path, options);
        if (Directory.EnumerateDirectories(path).Any()) return ImageFolderDataset.Open(path, options);
        if (Directory.EnumerateFiles(path, "*.tar").Any()) return WebDataset.Open(path);
        throw new ClipNetException(
            $"{path}: not a dataset folder; expected images.bin (CIFAR layout), one sub-folder of images per class, or .tar shards");
    }
}
