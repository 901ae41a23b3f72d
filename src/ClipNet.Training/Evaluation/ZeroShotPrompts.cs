namespace ClipNet.Evaluation;

/// <summary>
/// Builds a zero-shot classifier from class names and prompt templates ("a photo of a {}."): every class's
/// prompts are embedded, and <see cref="ZeroShotClassifier"/> averages them into one ensemble vector per class.
/// </summary>
public static class ZeroShotPrompts
{
    public static ZeroShotClassifier Classifier(Clip clip, IReadOnlyList<string> classNames, IReadOnlyList<string> templates)
    {
        if (classNames.Count == 0) throw new ClipNetException("no class names given");
        if (templates.Count == 0) throw new ClipNetException("no prompt templates given");
        foreach (string template in templates)
            if (!template.Contains("{}")) throw new ClipNetException($"prompt template \"{template}\" has no {{}} where the class name goes");
        var prompts = classNames.SelectMany(name => templates.Select(t => t.Replace("{}", name))).ToList();
        using var embeddings = clip.EncodeTexts(prompts, normalize: true, truncate: true);
        using var perClass = embeddings.reshape(classNames.Count, templates.Count, -1);
        return ZeroShotClassifier.FromTemplateEmbeddings(perClass, classNames);
    }

    /// <summary>Per image, the softmax over classes of the model's temperature-scaled similarities, [images, classes].</summary>
    public static float[,] Probabilities(Clip clip, IReadOnlyList<string> imagePaths, IReadOnlyList<string> classNames, IReadOnlyList<string> templates)
    {
        using var classifier = Classifier(clip, classNames, templates);
        using var images = clip.EncodeImages(imagePaths);
        using var probabilities = classifier.Logits(images, clip.InverseTemperature).softmax(-1);
        var result = new float[imagePaths.Count, classNames.Count];
        var flat = probabilities.data<float>().ToArray();
        for (int i = 0; i < imagePaths.Count; i++)
            for (int c = 0; c < classNames.Count; c++) result[i, c] = flat[i * classNames.Count + c];
        return result;
    }
}
