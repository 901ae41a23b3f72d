using ClipNet.Vision;

namespace ClipNet.Data;

/// <summary>Turns a decoded image into the model's input: CHW float32 values, 3 x Size x Size.</summary>
public interface IImageTransform
{
    int Size { get; }

    /// <param name="random">This sample's own source, seeded by (seed, epoch, index); deterministic transforms ignore it.</param>
    float[] Apply(DecodedImage image, Random random);
}
