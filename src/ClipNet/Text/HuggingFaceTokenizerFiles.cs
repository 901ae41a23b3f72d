using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipNet.IO;

namespace ClipNet.Text;

/// <summary>
/// The tokenizer files of a Hugging Face CLIP folder: `vocab.json`, `merges.txt`, `tokenizer_config.json` and
/// `special_tokens_map.json`, as `CLIPTokenizer.from_pretrained` reads them.
/// </summary>
public static class HuggingFaceTokenizerFiles
{
    public static void Write(ClipVocabulary vocabulary, string folder, int contextLength)
    {
        Directory.CreateDirectory(folder);
        var vocab = new JsonObject();
        foreach (var (token, id) in vocabulary.TokenIds.OrderBy(kv => kv.Value)) vocab[token] = id;
        var plain = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        AtomicFile.WriteAllText(Path.Combine(folder, "vocab.json"), vocab.ToJsonString(plain));
        AtomicFile.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Join("\n", vocabulary.Merges) + "\n");

        var indented = new JsonSerializerOptions { WriteIndented = true };
        var specials = new JsonObject
        {
            ["bos_token"] = ClipVocabulary.StartOfTextToken,
            ["eos_token"] = ClipVocabulary.EndOfTextToken,
            ["pad_token"] = ClipVocabulary.EndOfTextToken,
            ["unk_token"] = ClipVocabulary.EndOfTextToken,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), specials.ToJsonString(indented));
        var config = new JsonObject
        {
            ["tokenizer_class"] = "CLIPTokenizer",
            ["model_max_length"] = contextLength,
            ["do_lower_case"] = true,
            ["errors"] = "replace",
            ["bos_token"] = ClipVocabulary.StartOfTextToken,
            ["eos_token"] = ClipVocabulary.EndOfTextToken,
            ["pad_token"] = ClipVocabulary.EndOfTextToken,
            ["unk_token"] = ClipVocabulary.EndOfTextToken,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString(indented));
    }
}
