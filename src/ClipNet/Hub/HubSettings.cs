namespace ClipNet.Hub;

/// <summary>
/// Where the hub is, where its cache lives, which token to send and whether the network may be used — read from
/// the same environment variables as Python's huggingface_hub, so both tools share one cache and one login.
/// </summary>
public sealed record HubSettings
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub's base URL, without a trailing slash (`HF_ENDPOINT`).</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;
    /// <summary>The cache root holding `models--org--name` folders.</summary>
    public required string CacheRoot { get; init; }
    /// <summary>Sent as `Authorization: Bearer …` to the hub host only; null for anonymous access.</summary>
    public string? Token { get; init; }
    /// <summary>`HF_HUB_OFFLINE`: no request at all, files come from the cache or not at all.</summary>
    public bool Offline { get; init; }
    /// <summary>
    /// `HF_HUB_DOWNLOAD_TIMEOUT`: how long a download may wait for the server's answer or for its next bytes before it
    /// stops (keeping what it has, to resume). 10 s, as in huggingface_hub.
    /// </summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public static HubSettings FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>The resolution rules of huggingface_hub's constants.py, over any variable lookup (tests pass a dictionary).</summary>
    public static HubSettings FromVariables(Func<string, string?> variable)
    {
        string? Get(string name) => variable(name) is { Length: > 0 } value ? value : null;
        string home = Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? DefaultCacheHome(), "huggingface");
        return new HubSettings
        {
            Endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/'),
            CacheRoot = Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(home, "hub"),
            Token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN") ?? ReadTokenFile(Get("HF_TOKEN_PATH") ?? Path.Combine(home, "token")),
            Offline = IsTrue(Get("HF_HUB_OFFLINE") ?? Get("TRANSFORMERS_OFFLINE")),
            DownloadTimeout = Get("HF_HUB_DOWNLOAD_TIMEOUT") is { } seconds
                ? Seconds(seconds, "HF_HUB_DOWNLOAD_TIMEOUT") : TimeSpan.FromSeconds(10),
        };
    }

    static TimeSpan Seconds(string value, string variable) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            && seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new ClipNetException($"{variable}={value}: expected a positive number of seconds");

    static string DefaultCacheHome() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");

    static string? ReadTokenFile(string path) =>
        File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null;

    // huggingface_hub's _is_true: these spellings, case-insensitive, mean yes; anything else means no.
    static bool IsTrue(string? value) =>
        value is not null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
}
