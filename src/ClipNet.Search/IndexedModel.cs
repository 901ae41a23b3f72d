namespace ClipNet.Search;

/// <summary>
/// The identity of the model an index was built with: where it was loaded from, a SHA-256 over its files'
/// contents, its architecture and its preprocessing. Embeddings of another model live in another space, so
/// an index refuses queries and updates from a model whose identity differs.
/// </summary>
public sealed record IndexedModel(string Source, string ContentHash, string Architecture, string Preprocessing)
{
    /// <summary>True when both name the same weights, architecture and preprocessing (the source path may differ).</summary>
    public bool SameModelAs(IndexedModel other) =>
        ContentHash == other.ContentHash && Architecture == other.Architecture && Preprocessing == other.Preprocessing;
}
