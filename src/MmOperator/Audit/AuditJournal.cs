using System.Globalization;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MmOperator.Errors;
using MmOperator.IO;

namespace MmOperator.Audit;

/// <summary>
/// The append-only, hash-chained journal of every state-changing attempt. Appends take an exclusive
/// lock on <c>&lt;journal&gt;.lock</c> (flock, shared with every session and process), read the last
/// record's hash, write one line and flush it to disk, so concurrent writers never interleave or
/// lose a record. The chain makes an edited, inserted or removed record detectable. Each record's hash
/// is an HMAC-SHA256 keyed with <c>&lt;journal&gt;.key</c> (owner-only, created by the first append), so
/// whoever cannot read the key cannot recompute the chain after rewriting it. A journal written before
/// the key existed keeps its plain SHA-256 records: the key file names the last of them, and every
/// record after it must be keyed (see <see cref="JournalKey"/>).
/// </summary>
public sealed class AuditJournal
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string HashSuffixStart = ",\"hash\":\"";
    private const string PrevHashPrefix = "{\"prev_hash\":\"";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public AuditJournal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
    }

    public string Path { get; }

    private string LockPath => Path + ".lock";

    private string KeyPath => Path + ".key";

    /// <summary>Fails closed: an action runs only when its record can be written.</summary>
    public void EnsureWritable()
    {
        try
        {
            using var guard = AcquireLock();
            using var file = OpenForAppend();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw Unavailable(error);
        }
    }

    /// <summary>Chains and appends one record; fills its id, time, prev_hash and hash.</summary>
    public AuditRecord Append(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            using var guard = AcquireLock();
            using var file = OpenForAppend();
            record.PrevHash = ReadLastHash(file);
            var key = JournalKey.LoadOrCreate(KeyPath, record.PrevHash);
            record.Id = NewId(record.Time = DateTime.UtcNow);
            record.Hash = null;
            var body = JsonSerializer.Serialize(record, Json);
            record.Hash = key.Hash(body);
            var line = body[..^1] + HashSuffixStart + record.Hash + "\"}\n";
            file.Seek(0, SeekOrigin.End);
            file.Write(Encoding.UTF8.GetBytes(line));
            file.Flush(flushToDisk: true);
            return record;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw Unavailable(error);
        }
    }

    public IEnumerable<AuditRecord> Read()
    {
        if (!File.Exists(Path))
        {
            yield break;
        }

        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (Parse(line, number) is { } record)
            {
                yield return record;
            }
        }
    }

    /// <summary>
    /// The last record with this outcome. Only the lines that name it are parsed: a health check reads
    /// a long journal right after verifying it. (Text the caller typed is escaped in the line, so it
    /// cannot imitate the field.)
    /// </summary>
    public AuditRecord? Last(AuditOutcome outcome)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var field = $"\"outcome\":\"{outcome}\"";
        var (last, at, number) = ((string?)null, 0, 0);
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (line.Contains(field, StringComparison.Ordinal))
            {
                (last, at) = (line, number);
            }
        }

        return last is null ? null : Parse(last, at);
    }

    private static AuditRecord? Parse(string line, int number)
    {
        try
        {
            var record = JsonSerializer.Deserialize<AuditRecord>(line, Json);
            if (record is not null)
            {
                record.Line = number;
            }

            return record;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Checks every line's hash and its link to the line before; reports the first break.</summary>
    public AuditVerification Verify()
    {
        if (!File.Exists(Path))
        {
            return new AuditVerification(Path, 0, true, null, null);
        }

        // Without a key file the journal predates keying and nothing was appended since: plain SHA-256 throughout.
        var key = JournalKey.Load(KeyPath);
        var keyed = key is null || key.UnkeyedUntil == GenesisHash ? key : null;
        var expectedPrev = GenesisHash;
        var count = 0;
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            var problem = CheckLine(line, expectedPrev, keyed, out var hash);
            if (problem is not null)
            {
                return new AuditVerification(Path, count, false, number, key is null ? problem + $" (or the journal is keyed and its key file '{KeyPath}' is missing: keep the key with the journal)" : problem);
            }

            if (keyed is null && key is not null && hash == key.UnkeyedUntil)
            {
                keyed = key;
            }

            expectedPrev = hash;
            count++;
        }

        return key is not null && keyed is null
            ? new AuditVerification(Path, count, false, number + 1, "records are missing: the journal ends before the last record written without a key, which the key file names")
            : new AuditVerification(Path, count, true, null, null);
    }

    private static string? CheckLine(string line, string expectedPrev, JournalKey? key, out string hash)
    {
        hash = string.Empty;
        var suffixAt = line.Length - (HashSuffixStart.Length + 64 + 2);
        if (suffixAt <= 0 || !line.EndsWith("\"}", StringComparison.Ordinal) || string.CompareOrdinal(line, suffixAt, HashSuffixStart, 0, HashSuffixStart.Length) != 0)
        {
            return "the line is not a journal record (no hash at its end)";
        }

        hash = line.Substring(suffixAt + HashSuffixStart.Length, 64);
        var body = line[..suffixAt] + "}";
        if (!string.Equals(key is null ? JournalKey.Sha256(body) : key.Hash(body), hash, StringComparison.Ordinal))
        {
            return "the record was changed after it was written (its hash does not match)";
        }

        if (!line.StartsWith(PrevHashPrefix, StringComparison.Ordinal) || string.CompareOrdinal(line, PrevHashPrefix.Length, expectedPrev, 0, 64) != 0)
        {
            return "the chain is broken here (a record before it was removed, inserted or changed)";
        }

        return null;
    }

    private OperatorException Unavailable(Exception error) => new(
        ErrorIds.AuditJournalUnavailable,
        ErrorCategory.WriteError,
        $"The audit journal '{Path}' cannot be written ({error.Message}). Nothing was run: every state change must be recorded. Fix the file or its folder, or choose another with Set-MmOperatorOption -AuditLogPath.",
        Path,
        error);

    private FileStream AcquireLock()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        return FileLock.Acquire(LockPath, LockWait);
    }

    private FileStream OpenForAppend()
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path, options);
    }

    /// <summary>The hash of the last line, read from the file's end so long journals stay cheap.</summary>
    private static string ReadLastHash(FileStream file)
    {
        if (file.Length == 0)
        {
            return GenesisHash;
        }

        var size = (int)Math.Min(file.Length, 64 * 1024);
        var buffer = new byte[size];
        file.Seek(-size, SeekOrigin.End);
        file.ReadExactly(buffer);
        var tail = Encoding.UTF8.GetString(buffer).TrimEnd('\n');
        var last = tail[(tail.LastIndexOf('\n') + 1)..];
        var hashAt = last.Length - 64 - 2;
        return hashAt > 0 && last.EndsWith("\"}", StringComparison.Ordinal)
            ? last.Substring(hashAt, 64)
            : throw new IOException($"the journal's last line is not a record; check it with Test-MmAuditLog");
    }

    private static string NewId(DateTime time) =>
        time.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
}

/// <summary>The outcome of Test-MmAuditLog (PSTypeName MmOperator.AuditVerification).</summary>
public sealed record AuditVerification(string Path, int RecordCount, bool IsValid, int? FirstBrokenLine, string? Problem)
{
    public const string TypeName = "MmOperator.AuditVerification";
}
