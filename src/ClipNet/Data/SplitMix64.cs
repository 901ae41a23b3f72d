namespace ClipNet.Data;

/// <summary>SplitMix64's constants and finaliser, for deriving independent per-sample random seeds.</summary>
public static class SplitMix64
{
    public const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;

    /// <summary>Every input bit affects every output bit, so neighbouring indices get unrelated seeds.</summary>
    public static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
