using System.Security.Cryptography;
using ClipNet.Model;
using ClipNet.SafeTensors;
using TorchSharp;

namespace ClipNet.Checkpoints;

/// <summary>
/// A SHA-256 over a model's weights as loaded (every parameter and buffer: name, dtype, shape, bytes), so
/// the same weights have the same fingerprint whichever file format or folder they came from, and any change
/// to a single weight changes it. Costs one pass over the weights (about a second for ViT-B/32).
/// </summary>
public static class WeightsFingerprint
{
    public static string Of(ClipModel model)
    {
        using var sha = SHA256.Create();
        using (var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write))
        using (var writer = new BinaryWriter(hashing, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var (name, tensor) in model.state_dict().OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.Write(name);
                writer.Write(tensor.dtype.ToString());
                writer.Write(string.Join(',', tensor.shape));
                writer.Flush();
                SafeTensorsWriter.WriteData(hashing, tensor);
            }
        }
        return Convert.ToHexStringLower(sha.Hash!);
    }
}
