using ClipNet.Evaluation;
using ClipNet.Data;
using ClipNet.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipNet.Training;

/// <summary>
/// A validation dataset preprocessed once and kept in memory, evaluated after every epoch: zero-shot accuracy
/// when class prompts are given, otherwise image↔text recall@K over its captions.
/// </summary>
public sealed class ValidationSet
{
    readonly Tensor pixels;
    readonly long[] labels;
    readonly List<string> captions = [];
    readonly List<int> captionImage = [];
    readonly ClassPrompts? prompts;

    ValidationSet(Tensor pixels, long[] labels, IReadOnlyList<IReadOnlyList<string>> captionsPerImage, ClassPrompts? prompts)
    {
        this.pixels = pixels;
        this.labels = labels;
        this.prompts = prompts;
        for (int i = 0; i < captionsPerImage.Count; i++)
            foreach (string caption in captionsPerImage[i])
            {
                captions.Add(caption);
                captionImage.Add(i);
            }
    }

    public static ValidationSet Load(IImageTextDataset dataset, ClassPrompts? prompts, ImagePreprocessor preprocessor, int workers)
    {
        var loader = new EvaluationLoader(dataset, preprocessor) { Workers = workers };
        var pixels = new List<Tensor>();
        var labels = new List<long>();
        var captions = new List<IReadOnlyList<string>>();
        foreach (var chunk in loader.Chunks())
        {
            pixels.Add(chunk.Pixels.clone());
            labels.AddRange(chunk.Labels.Select(l => (long)l));
            captions.AddRange(chunk.Captions);
            chunk.Dispose();
        }
        if (pixels.Count == 0) throw new ClipNetException($"{dataset.Name}: the validation set has no readable images");
        if (prompts is not null && labels.Any(l => l < 0)) throw new ClipNetException($"{dataset.Name}: zero-shot validation needs a label for every image");
        return new ValidationSet(torch.cat(pixels.ToArray()), labels.ToArray(), captions, prompts);
    }

    public IReadOnlyDictionary<string, double> Evaluate(Clip clip)
    {
        using var scope = NewDisposeScope();
        var images = clip.EncodePixels(pixels);
        if (prompts is not null)
        {
            // No embedding cache: the text tower changes between epochs.
            using var classifier = ZeroShotEvaluation.Classifier(clip, prompts.Classes, "validation classes", prompts, "prompts", cache: null).Classifier;
            var result = classifier.Evaluate(images, labels);
            return new Dictionary<string, double> { ["zero_shot_top1"] = result.Top1, ["zero_shot_top5"] = result.Top5 };
        }
        var texts = clip.EncodeTexts(captions, truncate: true);
        var retrieval = RetrievalMetrics.Compute(images, texts, captionImage);
        return retrieval.ImageToTextRecall.Select(kv => ($"image_to_text_recall@{kv.Key}", kv.Value))
            .Concat(retrieval.TextToImageRecall.Select(kv => ($"text_to_image_recall@{kv.Key}", kv.Value)))
            .ToDictionary(p => p.Item1, p => p.Item2);
    }
}
