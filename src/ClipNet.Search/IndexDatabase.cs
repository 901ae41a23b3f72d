using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ClipNet.Search;

/// <summary>
/// The SQLite file behind a <see cref="PhotoIndex"/>: its schema, its identity checks and its reads and writes.
/// Write-ahead logging and one transaction per batch mean a killed process leaves the last committed batch
/// intact; SQLite rolls back the rest when the file is next opened.
/// </summary>
sealed class IndexDatabase : IDisposable
{
    // PRAGMA application_id marks the file as ours ("CLIP" in ASCII), so a stranger's SQLite file is refused, not altered.
    const int ApplicationId = 0x434C4950;
    public const int SchemaVersion = 1;

    const string Schema = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE photos(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            captured_at INTEGER,
            orientation INTEGER NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            embedding BLOB NOT NULL);
        CREATE INDEX photos_by_hash ON photos(content_hash);
        CREATE TABLE unreadable(path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, problem TEXT NOT NULL);
        """;

    readonly SqliteConnection connection;
    public string Path { get; }
    public IndexedModel Model { get; private set; } = null!;
    public VectorPrecision Precision { get; private set; }
    public int Dimension { get; private set; }

    IndexDatabase(string path, SqliteConnection connection)
    {
        Path = path;
        this.connection = connection;
    }

    /// <summary>Opens an existing index, checking that it is ours and of a schema this version reads.</summary>
    public static IndexDatabase Open(string path)
    {
        if (Directory.Exists(path)) throw new ClipNetException($"{path}: is a folder, not a photo index file");
        if (!File.Exists(path)) throw new ClipNetException($"{path}: index not found (build one with `clip index FOLDER --model M --index {path}`)");
        var database = Connect(path);
        try
        {
            database.ReadMeta();
            // Switching the mode needs a lock; a reader beside a running `clip index` finds it set already.
            if (database.Scalar<string>("PRAGMA journal_mode") != "wal") database.Execute(WriteAheadLogging);
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    // Set only once the file is known to be ours: switching the journal mode rewrites a file's header.
    const string WriteAheadLogging = "PRAGMA journal_mode = WAL;";

    /// <summary>Creates an empty index for <paramref name="model"/>; the file must not exist.</summary>
    public static IndexDatabase Create(string path, IndexedModel model, int dimension, VectorPrecision precision)
    {
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder)) throw new ClipNetException($"{path}: the folder {folder} does not exist");
        var database = Connect(path);
        try
        {
            database.Execute(WriteAheadLogging);   // a new file, ours: readers beside the first run never meet a rollback journal
            using var transaction = database.connection.BeginTransaction();
            database.Execute(Schema);
            database.Execute($"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {SchemaVersion};");
            database.SetMeta(model, dimension, precision);
            transaction.Commit();
            database.ReadMeta();
            return database;
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    static IndexDatabase Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        var database = new IndexDatabase(path, connection);
        try
        {
            connection.Open();
            database.Execute("PRAGMA synchronous = NORMAL;");   // with WAL: durable at each checkpoint, never corrupt
            return database;
        }
        catch (SqliteException e)
        {
            database.Dispose();
            throw database.Damaged(e);
        }
    }

    ClipNetException NotOurs(string problem) => new($"{Path}: not a ClipNet photo index ({problem})");

    /// <summary>SQLite's own error on a file that is not a database, or a damaged one, as one message naming the index.</summary>
    public ClipNetException Damaged(SqliteException e) => e.SqliteErrorCode == 26   // SQLITE_NOTADB
        ? NotOurs(e.Message)
        : new($"{Path}: the photo index is corrupt or unwritable ({e.Message}); delete it or rebuild it with `clip index --rebuild`", e);

    void ReadMeta()
    {
        try
        {
            if (Scalar<long>("PRAGMA application_id") != ApplicationId) throw NotOurs("another program's SQLite file");
            long version = Scalar<long>("PRAGMA user_version");
            if (version != SchemaVersion) throw new ClipNetException($"{Path}: photo index schema version {version}; this ClipNet reads version {SchemaVersion}");
            var meta = new Dictionary<string, string>();
            using (var command = Command("SELECT key, value FROM meta"))
            using (var reader = command.ExecuteReader())
                while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
            string Get(string key) => meta.TryGetValue(key, out var value) ? value : throw NotOurs($"metadata '{key}' is missing");
            Model = new IndexedModel(Get("model_source"), Get("model_hash"), Get("model_architecture"), Get("model_preprocessing"));
            Precision = Enum.TryParse<VectorPrecision>(Get("precision"), out var precision) ? precision : throw NotOurs($"unknown vector precision '{Get("precision")}'");
            Dimension = int.TryParse(Get("dimension"), CultureInfo.InvariantCulture, out int dimension) && dimension > 0
                ? dimension : throw NotOurs($"bad embedding dimension '{Get("dimension")}'");
        }
        catch (SqliteException e)
        {
            throw Damaged(e);
        }
    }

    /// <summary>Empties the index and records another model (<c>--rebuild</c>).</summary>
    public void Reset(IndexedModel model, int dimension, VectorPrecision precision)
    {
        using var transaction = connection.BeginTransaction();
        Execute("DELETE FROM photos; DELETE FROM unreadable; DELETE FROM meta;");
        SetMeta(model, dimension, precision);
        transaction.Commit();
        ReadMeta();
    }

    void SetMeta(IndexedModel model, int dimension, VectorPrecision precision)
    {
        foreach (var (key, value) in new[]
                 {
                     ("model_source", model.Source), ("model_hash", model.ContentHash), ("model_architecture", model.Architecture),
                     ("model_preprocessing", model.Preprocessing), ("precision", precision.ToString()),
                     ("dimension", dimension.ToString(CultureInfo.InvariantCulture)),
                 })
            SetMeta(key, value);
    }

    public void SetMeta(string key, string value)
    {
        using var command = Command("INSERT INTO meta(key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    public string? GetMeta(string key)
    {
        using var command = Command("SELECT value FROM meta WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    /// <summary>What the index knows of a file, to tell whether it changed.</summary>
    public sealed record StoredFile(long Id, string Path, long Size, long MtimeTicks, string ContentHash);

    public List<StoredFile> StoredFiles()
    {
        var files = new List<StoredFile>();
        using var command = Command("SELECT id, path, size, mtime, content_hash FROM photos ORDER BY id");
        using var reader = command.ExecuteReader();
        while (reader.Read()) files.Add(new StoredFile(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4)));
        return files;
    }

    public Dictionary<string, (long Size, long MtimeTicks, string Problem)> UnreadableFiles()
    {
        var files = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);
        using var command = Command("SELECT path, size, mtime, problem FROM unreadable");
        using var reader = command.ExecuteReader();
        while (reader.Read()) files[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
        return files;
    }

    public SqliteTransaction BeginTransaction() => connection.BeginTransaction();

    /// <summary>Inserts a photo, or replaces the one at the same path (a changed file keeps its id).</summary>
    public void Upsert(PhotoRecord photo, ReadOnlySpan<float> embedding)
    {
        using var command = Command("""
            INSERT INTO photos(path, type, size, mtime, content_hash, captured_at, orientation, width, height, embedding)
            VALUES ($path, $type, $size, $mtime, $hash, $captured, $orientation, $width, $height, $embedding)
            ON CONFLICT(path) DO UPDATE SET type = excluded.type, size = excluded.size, mtime = excluded.mtime,
                content_hash = excluded.content_hash, captured_at = excluded.captured_at, orientation = excluded.orientation,
                width = excluded.width, height = excluded.height, embedding = excluded.embedding;
            DELETE FROM unreadable WHERE path = $path;
            """);
        command.Parameters.AddWithValue("$path", photo.Path);
        command.Parameters.AddWithValue("$type", photo.Type);
        command.Parameters.AddWithValue("$size", photo.SizeBytes);
        command.Parameters.AddWithValue("$mtime", photo.ModifiedUtc.Ticks);
        command.Parameters.AddWithValue("$hash", photo.ContentHash);
        command.Parameters.AddWithValue("$captured", photo.CapturedAt is { } captured ? captured.Ticks : DBNull.Value);
        command.Parameters.AddWithValue("$orientation", photo.Orientation);
        command.Parameters.AddWithValue("$width", photo.Width);
        command.Parameters.AddWithValue("$height", photo.Height);
        command.Parameters.AddWithValue("$embedding", VectorBlob.Encode(embedding, Precision));
        command.ExecuteNonQuery();
    }

    /// <summary>A file whose content is already indexed under another row: copy that row's embedding and details.</summary>
    public void CopyEmbedding(long fromId, PhotoFiles.FoundFile file) => ExecuteForFile("""
        INSERT INTO photos(path, type, size, mtime, content_hash, captured_at, orientation, width, height, embedding)
        SELECT $path, $type, $size, $mtime, content_hash, captured_at, orientation, width, height, embedding FROM photos WHERE id = $id
        ON CONFLICT(path) DO UPDATE SET type = excluded.type, size = excluded.size, mtime = excluded.mtime,
            content_hash = excluded.content_hash, captured_at = excluded.captured_at, orientation = excluded.orientation,
            width = excluded.width, height = excluded.height, embedding = excluded.embedding;
        DELETE FROM unreadable WHERE path = $path;
        """, fromId, file);

    /// <summary>A moved or renamed file (or one touched without a change of content): same row, id and embedding; the file's new path and times.</summary>
    public void Move(long id, PhotoFiles.FoundFile file) => ExecuteForFile(
        "UPDATE photos SET path = $path, type = $type, size = $size, mtime = $mtime WHERE id = $id; DELETE FROM unreadable WHERE path = $path;", id, file);

    void ExecuteForFile(string sql, long id, PhotoFiles.FoundFile file)
    {
        using var command = Command(sql);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$path", file.Path);
        command.Parameters.AddWithValue("$type", file.Type);
        command.Parameters.AddWithValue("$size", file.Size);
        command.Parameters.AddWithValue("$mtime", file.MtimeTicks);
        command.ExecuteNonQuery();
    }

    public void DeleteAllPhotos() => Execute("DELETE FROM photos");

    /// <summary>
    /// Writes a photo given from outside the indexer (by id; 0 or an unknown id inserts) and returns its id.
    /// File size, mtime and hash are the file's when it exists, so the next update sees it as indexed.
    /// </summary>
    public long UpsertExternal(long id, string path, DateTime? capturedAt, ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != Dimension) throw new ClipNetException($"{Path}: a vector of dimension {embedding.Length} cannot go into an index of dimension {Dimension}");
        var file = new FileInfo(path);
        using var command = Command("""
            INSERT INTO photos(id, path, type, size, mtime, content_hash, captured_at, orientation, width, height, embedding)
            VALUES (CASE WHEN $id > 0 THEN $id END, $path, $type, $size, $mtime, $hash, $captured, 1, 0, 0, $embedding)
            ON CONFLICT(id) DO UPDATE SET path = excluded.path, type = excluded.type, size = excluded.size, mtime = excluded.mtime,
                content_hash = excluded.content_hash, captured_at = excluded.captured_at, embedding = excluded.embedding
            RETURNING id;
            """);
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$path", path);
        command.Parameters.AddWithValue("$type", PhotoFiles.TypeOf(path) ?? "");
        command.Parameters.AddWithValue("$size", file.Exists ? file.Length : 0);
        command.Parameters.AddWithValue("$mtime", file.Exists ? file.LastWriteTimeUtc.Ticks : 0);
        command.Parameters.AddWithValue("$hash", file.Exists ? PhotoFiles.ContentHash(path) : "");
        command.Parameters.AddWithValue("$captured", capturedAt is { } captured ? captured.Ticks : DBNull.Value);
        command.Parameters.AddWithValue("$embedding", VectorBlob.Encode(embedding, Precision));
        return (long)command.ExecuteScalar()!;
    }

    public void Delete(long id)
    {
        using var command = Command("DELETE FROM photos WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    public void RecordUnreadable(string path, long size, long mtimeTicks, string problem)
    {
        using var command = Command("""
            DELETE FROM photos WHERE path = $path;
            INSERT INTO unreadable(path, size, mtime, problem) VALUES ($path, $size, $mtime, $problem)
            ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, problem = excluded.problem;
            """);
        command.Parameters.AddWithValue("$path", path);
        command.Parameters.AddWithValue("$size", size);
        command.Parameters.AddWithValue("$mtime", mtimeTicks);
        command.Parameters.AddWithValue("$problem", problem);
        command.ExecuteNonQuery();
    }

    public void ForgetUnreadable(string path)
    {
        using var command = Command("DELETE FROM unreadable WHERE path = $path");
        command.Parameters.AddWithValue("$path", path);
        command.ExecuteNonQuery();
    }

    const string RecordColumns = "id, path, type, size, mtime, captured_at, orientation, width, height, content_hash";

    static PhotoRecord ReadRecord(SqliteDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), new DateTime(reader.GetInt64(4), DateTimeKind.Utc),
        reader.IsDBNull(5) ? null : new DateTime(reader.GetInt64(5), DateTimeKind.Unspecified),
        reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetString(9));

    public PhotoRecord? Get(long id)
    {
        using var command = Command($"SELECT {RecordColumns} FROM photos WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadRecord(reader) : null;
    }

    /// <summary>Every photo with its embedding, in id order: records, and the embeddings as one row-major matrix.</summary>
    public (List<PhotoRecord> Records, VectorMatrix Vectors) ReadAll()
    {
        int count = (int)Scalar<long>("SELECT count(*) FROM photos");
        var records = new List<PhotoRecord>(count);
        var matrix = VectorMatrix.Allocate(count, Dimension, Precision);
        using var command = Command($"SELECT {RecordColumns}, embedding FROM photos ORDER BY id");
        using var reader = command.ExecuteReader();
        while (reader.Read() && records.Count < count)
        {
            var record = ReadRecord(reader);
            var blob = (byte[])reader.GetValue(10);
            if (blob.Length != Dimension * VectorBlob.BytesPerValue(Precision))
                throw new ClipNetException($"{Path}: photo {record.Id} ({record.Path}) has an embedding of {blob.Length} bytes, expected {Dimension} {Precision} values; the index is corrupt (rebuild it with --rebuild)");
            matrix.SetRow(records.Count, blob);
            records.Add(record);
        }
        return (records, matrix);
    }

    public int Count(string table) => (int)Scalar<long>($"SELECT count(*) FROM {table}");

    public List<UnreadableFile> UnreadableList()
    {
        var files = new List<UnreadableFile>();
        using var command = Command("SELECT path, problem FROM unreadable ORDER BY path");
        using var reader = command.ExecuteReader();
        while (reader.Read()) files.Add(new UnreadableFile(reader.GetString(0), reader.GetString(1)));
        return files;
    }

    SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    T Scalar<T>(string sql)
    {
        using var command = Command(sql);
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    public void Dispose() => connection.Dispose();
}

/// <summary>Embeddings as SQLite blobs: little-endian float16 or float32 values.</summary>
static class VectorBlob
{
    public static int BytesPerValue(VectorPrecision precision) => precision == VectorPrecision.Float16 ? 2 : 4;

    public static byte[] Encode(ReadOnlySpan<float> vector, VectorPrecision precision)
    {
        if (precision == VectorPrecision.Float32) return MemoryMarshal.AsBytes(vector).ToArray();
        var halves = new Half[vector.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(vector, halves);
        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }
}
