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
/// lose a record. The chain makes an edited, inserted or removed record detectable.
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
            record.Id = NewId(record.Time = DateTime.UtcNow);
            record.Hash = null;
            var body = JsonSerializer.Serialize(record, Json);
            record.Hash = Sha256(body);
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

            AuditRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<AuditRecord>(line, Json);
            }
            catch (JsonException)
            {
                record = null;
            }

            if (record is not null)
            {
                record.Line = number;
                yield return record;
            }
        }
    }

    /// <summary>Checks every line's hash and its link to the line before; reports the first break.</summary>
    public AuditVerification Verify()
    {
        if (!File.Exists(Path))
        {
            return new AuditVerification(Path, 0, true, null, null);
        }

        var expectedPrev = GenesisHash;
        var count = 0;
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            var problem = CheckLine(line, expectedPrev, out var hash);
            if (problem is not null)
            {
                return new AuditVerification(Path, count, false, number, problem);
            }

            expectedPrev = hash;
            count++;
        }

        return new AuditVerification(Path, count, true, null, null);
    }

    private static string? CheckLine(string line, string expectedPrev, out string hash)
    {
        hash = string.Empty;
        var suffixAt = line.Length - (HashSuffixStart.Length + 64 + 2);
        if (suffixAt <= 0 || !line.EndsWith("\"}", StringComparison.Ordinal) || string.CompareOrdinal(line, suffixAt, HashSuffixStart, 0, HashSuffixStart.Length) != 0)
        {
            return "the line is not a journal record (no hash at its end)";
        }

        hash = line.Substring(suffixAt + HashSuffixStart.Length, 64);
        var body = line[..suffixAt] + "}";
        if (!string.Equals(Sha256(body), hash, StringComparison.Ordinal))
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

    private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}

/// <summary>The outcome of Test-MmAuditLog (PSTypeName MmOperator.AuditVerification).</summary>
public sealed record AuditVerification(string Path, int RecordCount, bool IsValid, int? FirstBrokenLine, string? Problem)
{
    public const string TypeName = "MmOperator.AuditVerification";
}
