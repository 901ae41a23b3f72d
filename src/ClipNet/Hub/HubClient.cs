using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ClipNet.Hub;

/// <summary>What a HEAD on a file's resolve URL tells: the commit, the blob's ETag, its size and where its bytes are.</summary>
public sealed record HubFileMetadata(string File, string Commit, string Etag, long? Size, Uri Location)
{
    /// <summary>LFS files are named by the sha256 of their content; small files by a git blob sha1, which is not checked on download.</summary>
    public bool IsLfs => Etag.Length == 64 && Etag.All(Uri.IsHexDigit);
}

/// <summary>A revision's commit and the files in it, from `/api/models/{repo}/revision/{revision}`.</summary>
public sealed record RepoListing(string RepoId, string Commit, IReadOnlyList<string> Files);

/// <summary>
/// The hub's HTTP protocol as huggingface_hub speaks it (file_download.py): a HEAD on
/// `{endpoint}/{repo}/resolve/{revision}/{file}` with `Accept-Encoding: identity` gives the commit (`X-Repo-Commit`),
/// the ETag (`X-Linked-Etag`, else `ETag`) and the size (`X-Linked-Size`, else `Content-Length`); LFS files answer with
/// a redirect to a content host. Redirects are followed here, not by HttpClient, so the token goes to the hub's own
/// host only. Downloads resume from a kept partial file, are checked against their sha256, and hold a lock per blob.
/// </summary>
public sealed class HubClient : IDisposable
{
    const int MaxRedirects = 10;
    const long MaxListingBytes = 64L << 20;
    static readonly TimeSpan LockPatience = TimeSpan.FromMinutes(10);

    readonly HubSettings settings;
    readonly Uri endpoint;
    readonly HttpClient http;

    public HubClient(HubSettings settings, HttpMessageHandler? handler = null)
    {
        if (settings.Offline) throw new InvalidOperationException("HubClient must not be created in offline mode");
        this.settings = settings;
        endpoint = new Uri(settings.Endpoint.TrimEnd('/') + "/");
        handler ??= new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(15) };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("clipnet/1.0");
    }

    public Uri ResolveUrl(string repoId, string revision, string file) =>
        new(endpoint, $"{repoId}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    public RepoListing List(string repoId, string revision)
    {
        var url = new Uri(endpoint, $"api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        using var response = Send(HttpMethod.Get, url, followCrossHost: true, TimeSpan.FromSeconds(30));
        ThrowOnError(response, repoId, revision, file: null);
        if (response.Content.Headers.ContentLength > MaxListingBytes) throw new ClipNetException($"{url}: listing larger than {MaxListingBytes} bytes");
        try
        {
            using var json = JsonDocument.Parse(response.Content.ReadAsStream());
            var root = json.RootElement;
            string commit = root.GetProperty("sha").GetString() ?? throw new KeyNotFoundException("sha");
            var files = root.GetProperty("siblings").EnumerateArray().Select(s => s.GetProperty("rfilename").GetString()!).ToList();
            foreach (string file in files) RequireRelative(file, url);
            return new RepoListing(repoId, commit, files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ClipNetException($"{url}: not a model listing ({e.Message})");
        }
    }

    public HubFileMetadata Metadata(string repoId, string revision, string file)
    {
        var url = ResolveUrl(repoId, revision, file);
        // Cross-host redirects are not followed: the hub's redirect itself carries the LFS headers and the content URL.
        using var response = Send(HttpMethod.Head, url, followCrossHost: false, TimeSpan.FromSeconds(30),
            r => r.Headers.AcceptEncoding.ParseAdd("identity"));
        bool redirected = IsRedirect(response.StatusCode) && response.Headers.Location is not null;
        if (!redirected) ThrowOnError(response, repoId, revision, file);
        string? commit = Header(response, "X-Repo-Commit");
        string? etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
        long? size = long.TryParse(Header(response, "X-Linked-Size"), out long linked) ? linked
            : redirected ? null : response.Content.Headers.ContentLength;
        if (commit is null || etag is null)
            throw new ClipNetException($"{url}: the server did not send {(commit is null ? "X-Repo-Commit" : "an ETag")}; is {settings.Endpoint} a Hugging Face hub?");
        var location = redirected ? Absolute(url, response.Headers.Location!) : url;
        return new HubFileMetadata(file, commit, NormalizeEtag(etag), size, location);
    }

    /// <summary>huggingface_hub's _normalize_etag: `W/"abc"` and `"abc"` both name the blob `abc`.</summary>
    public static string NormalizeEtag(string etag) => (etag.StartsWith("W/") ? etag[2..] : etag).Trim('"');

    /// <summary>
    /// Brings the file's blob into the cache and returns its path. A partial `{etag}.incomplete` left by an
    /// interrupted run is continued with a Range request (started over if the server ignores the range); LFS
    /// content must hash to its ETag, or it is deleted and the download fails.
    /// </summary>
    public string Download(HubCache cache, string repoId, HubFileMetadata file, IProgress<long>? bytesWritten = null)
    {
        string blob = cache.BlobPath(repoId, file.Etag);
        if (File.Exists(blob)) return blob;
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        using var blobLock = Lock(cache.LockPath(repoId, file.Etag), $"{repoId}/{file.File}");
        if (File.Exists(blob)) return blob;     // another process finished it while this one waited

        string incomplete = blob + ".incomplete";
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (file.Size is long expected && have >= expected) { File.Delete(incomplete); have = 0; }
        RequireSpace(blob, (file.Size ?? 0) - have, $"{repoId}/{file.File}");

        using (var response = Send(HttpMethod.Get, file.Location, followCrossHost: true, settings.DownloadTimeout,
                   r => { if (have > 0) r.Headers.Range = new RangeHeaderValue(have, null); }))
        {
            ThrowOnError(response, repoId, file.Commit, file.File);
            bool resumed = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed) have = 0;
            bytesWritten?.Report(have);
            Copy(response, incomplete, append: resumed, have, file, repoId, bytesWritten);
        }

        long got = new FileInfo(incomplete).Length;
        if (file.Size is long size && got != size)
        {
            File.Delete(incomplete);
            throw new ClipNetException($"{repoId}/{file.File}: received {got} bytes, the hub announced {size}; the partial file was deleted, run the command again");
        }
        if (file.IsLfs && HubCache.Sha256(incomplete) is var actual && actual != file.Etag)
        {
            File.Delete(incomplete);
            throw new ClipNetException($"{repoId}/{file.File}: downloaded content has sha256 {actual}, expected {file.Etag}; the corrupt file was deleted, run the command again");
        }
        File.Move(incomplete, blob);
        return blob;
    }

    void Copy(HttpResponseMessage response, string incomplete, bool append, long have, HubFileMetadata file, string repoId, IProgress<long>? bytesWritten)
    {
        using var body = response.Content.ReadAsStream();
        var buffer = new byte[1 << 20];
        long written = have;
        try
        {
            using var output = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            while (true)
            {
                int read;
                // A server that stops sending but keeps the connection open would otherwise hang the download forever.
                using (var stalled = new CancellationTokenSource(settings.DownloadTimeout))
                {
                    try { read = body.ReadAsync(buffer, stalled.Token).AsTask().GetAwaiter().GetResult(); }
                    catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
                    {
                        output.Flush();
                        string why = stalled.IsCancellationRequested ? $"no data for {settings.DownloadTimeout.TotalSeconds:0.#} s; HF_HUB_DOWNLOAD_TIMEOUT sets the wait" : e.Message;
                        throw new ClipNetException($"{repoId}/{file.File}: the download was interrupted after {written} of {file.Size?.ToString() ?? "?"} bytes ({why}); run the command again to resume it");
                    }
                }
                if (read == 0) break;
                output.Write(buffer, 0, read);
                written += read;
                bytesWritten?.Report(read);
            }
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw new ClipNetException($"{incomplete}: the disk is full ({e.Message}); free space in {Path.GetDirectoryName(incomplete)} or point HF_HUB_CACHE elsewhere, then run the command again to resume");
        }
    }

    HttpResponseMessage Send(HttpMethod method, Uri url, bool followCrossHost, TimeSpan timeout, Action<HttpRequestMessage>? configure = null)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            // The token belongs to the hub: a content host (a CDN, S3) never sees it.
            if (settings.Token is not null && SameOrigin(url, endpoint)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
            configure?.Invoke(request);
            HttpResponseMessage response;
            using var cancel = new CancellationTokenSource(timeout);
            try { response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token); }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                throw new ClipNetException($"{url.GetLeftPart(UriPartial.Authority)} did not answer within {timeout.TotalSeconds:0.#} s; to use only models already in the cache, set HF_HUB_OFFLINE=1");
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                throw new ClipNetException($"cannot reach {url.GetLeftPart(UriPartial.Authority)} ({e.Message}); to use only models already in the cache, set HF_HUB_OFFLINE=1");
            }
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null) return response;
            var next = Absolute(url, response.Headers.Location);
            if (!followCrossHost && !SameOrigin(next, url)) return response;
            response.Dispose();
            if (hop == MaxRedirects) throw new ClipNetException($"{url}: more than {MaxRedirects} redirects");
            url = next;
        }
    }

    void ThrowOnError(HttpResponseMessage response, string repoId, string revision, string? file)
    {
        if (response.IsSuccessStatusCode) return;
        string code = Header(response, "X-Error-Code") ?? "";
        string what = file is null ? repoId : $"{repoId}/{file}";
        throw new ClipNetException((int)response.StatusCode switch
        {
            401 => $"{repoId}: the hub refused access (401): the repository is private or gated, or does not exist. " +
                   (settings.Token is null ? "If you have access, set HF_TOKEN to a token from https://huggingface.co/settings/tokens"
                                           : "The token in use (HF_TOKEN or the saved login) was not accepted"),
            403 => $"{repoId}: access denied (403): the repository is gated and this token has not been granted access; request it on the model's page and set HF_TOKEN to a token of that account",
            404 when code == "RevisionNotFound" => $"{repoId}: revision '{revision}' not found",
            404 when file is null || code == "RepoNotFound" => $"{repoId}: repository not found on {settings.Endpoint}",
            404 => $"{repoId}: file '{file}' not found at revision '{revision}'",
            416 => $"{what}: the server refused the resume range; delete the .incomplete file in the cache's blobs/ folder and run again",
            _ => $"{what}: the hub answered {(int)response.StatusCode} {response.ReasonPhrase}",
        });
    }

    static FileStream Lock(string path, string what)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            // FileShare.None takes an exclusive flock on Unix: the lock huggingface_hub's filelock takes too.
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (waited.Elapsed < LockPatience) { Thread.Sleep(200); }
            catch (IOException)
            {
                throw new ClipNetException($"{what}: another process has held {path} for {LockPatience.TotalMinutes:0} minutes; if no download is running, delete that lock file");
            }
        }
    }

    static void RequireSpace(string blob, long bytes, string what)
    {
        string folder = Path.GetFullPath(Path.GetDirectoryName(blob)!);
        var drive = DriveInfo.GetDrives().Where(d => d.IsReady && folder.StartsWith(d.RootDirectory.FullName, StringComparison.Ordinal))
            .MaxBy(d => d.RootDirectory.FullName.Length);
        if (drive is not null && drive.AvailableFreeSpace < bytes)
            throw new ClipNetException($"{what}: needs {bytes:N0} bytes but {folder} has {drive.AvailableFreeSpace:N0} free; free space or point HF_HUB_CACHE elsewhere");
    }

    // ENOSPC on Unix; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
    static bool IsDiskFull(IOException e) => e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);

    static void RequireRelative(string file, Uri source)
    {
        if (file.Length == 0 || Path.IsPathRooted(file) || file.Split('/', '\\').Any(part => part is ".." or "."))
            throw new ClipNetException($"{source}: unsafe file name '{file}' in the listing");
    }

    static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;
    static bool SameOrigin(Uri a, Uri b) => Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
    static Uri Absolute(Uri requested, Uri location) => location.IsAbsoluteUri ? location : new Uri(requested, location);

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    public void Dispose() => http.Dispose();
}
