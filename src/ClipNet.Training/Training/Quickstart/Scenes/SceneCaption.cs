namespace ClipNet.Training;

/// <summary>
/// Writes the English caption of a scene: "a small red circle", "a large blue square above a small yellow
/// triangle". Some captions leave out a size word or use the frame of a prompt template, so the zero-shot
/// prompts ("a photo of a red circle") are phrases the text tower has read during training.
/// </summary>
internal static class SceneCaption
{
    const double SizeOmittedProbability = 0.25;

    public static string Write(SceneDescription scene, Random random)
    {
        var phrase = NounPhrase(scene.First, random);
        if (scene.Second is not null)
            phrase += $" {scene.Relation} a {NounPhrase(scene.Second, random)}";
        var template = SceneVocabulary.Templates[random.Next(SceneVocabulary.Templates.Count)];
        // Templates already carry the article: "a {}" + "small red circle".
        return template.Replace("{}", phrase);
    }

    static string NounPhrase(SceneObject shape, Random random) =>
        random.NextDouble() < SizeOmittedProbability
            ? $"{shape.Color} {shape.Shape}"
            : $"{shape.Size} {shape.Color} {shape.Shape}";
}
