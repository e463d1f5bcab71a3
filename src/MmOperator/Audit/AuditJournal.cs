using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MmOperator.IO;

namespace MmOperator.Audit;

/// <summary>
/// The append-only, hash-chained journal of every state-changing attempt. Appends take an exclusive
/// lock on <c>&lt;journal&gt;.lock</c> (flock, shared with every session and process), check that the
/// last record verifies, write one line and flush it to disk, so concurrent writers never interleave or
/// lose a record. An append is all or nothing: a write cut short (a full disk, a file size limit) is
/// truncated back under the lock, and a journal whose last record does not verify (a torn tail) takes
/// no more, so nothing runs until a person repairs it. A record is at most <see cref="MaxRecordBytes"/>:
/// a longer one is refused, never cut. The chain makes an edited, inserted or removed record detectable. Each record's hash
/// is an HMAC-SHA256 keyed with <c>&lt;journal&gt;.key</c> (owner-only, created by the first append), so
/// whoever cannot read the key cannot recompute the chain after rewriting it. A journal written before
/// the key existed keeps its plain SHA-256 records: the key file names the last of them, and every
/// record after it must be keyed (see <see cref="JournalKey"/>).
/// </summary>
public sealed class AuditJournal
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The longest line the journal takes: what one command can add to it is bounded.</summary>
    public const int MaxRecordBytes = 64 * 1024;

    /// <summary>A record's id is its time to the millisecond, then random hex (yyyyMMddTHHmmssfffZ-xxxxxx).</summary>
    private const string IdTimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";
    private const int IdTimeLength = 19;

    /// <summary>What a record's fields besides one long text may take.</summary>
    private const int RoomForOtherFields = 8 * 1024;

    /// <summary>Where a record's id starts in its line: after {"prev_hash":"&lt;64 hex&gt;","id":".</summary>
    private const int IdAt = 14 + 64 + 8;
    private const string HashSuffixStart = ",\"hash\":\"";
    private const string PrevHashPrefix = "{\"prev_hash\":\"";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // A file size limit must fail an append, which is undone, rather than kill the process mid-write.
    static AuditJournal() => FileSizeSignal.Handle();

    public AuditJournal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
    }

    public string Path { get; }

    private string LockPath => Path + ".lock";

    private string KeyPath => Path + ".key";

    /// <summary>Fails closed: an action runs only when its record can be written after a last record that verifies.</summary>
    public void EnsureWritable()
    {
        try
        {
            using var guard = AcquireLock();
            using var file = OpenForAppend();
            _ = VerifiedLastHash(file);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw Unavailable(error);
        }
    }

    /// <summary>
    /// Chains and appends one record; fills its id, time, prev_hash and hash. Throws
    /// <see cref="ErrorIds.AuditRecordTooLarge"/> (nothing written) for a record over the limit.
    /// </summary>
    public AuditRecord Append(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            using var guard = AcquireLock();
            using var file = OpenForAppend();
            record.PrevHash = VerifiedLastHash(file);
            var key = JournalKey.LoadOrCreate(KeyPath, record.PrevHash);
            record.Id = NewId(record.Time = DateTime.UtcNow);
            record.Hash = null;
            var body = Serialize(record);
            record.Hash = key.Hash(body);
            var line = Encoding.UTF8.GetBytes(body[..^1] + HashSuffixStart + record.Hash + "\"}\n");
            if (line.Length > MaxRecordBytes)
            {
                throw TooLarge(record, line.Length);
            }

            WriteWhole(file, line);
            return record;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw Unavailable(error);
        }
    }

    /// <summary>Whether one long text (a Plan) fits in a record beside its other fields (ids, hashes, identity, a reason), escaped as the journal writes it.</summary>
    public static bool Fits(string text) =>
        JsonEncodedText.Encode(text ?? string.Empty, Json.Encoder).EncodedUtf8Bytes.Length <= MaxRecordBytes - RoomForOtherFields;

    /// <summary>A record as the journal writes it, without its hash (the system log takes this form too).</summary>
    public static string Serialize(AuditRecord record) => JsonSerializer.Serialize(record, Json);

    /// <summary>
    /// Appends the line, or nothing: a short write (the process's file size limit, a full disk) is cut
    /// back to the old end before the error goes on, so the journal never ends in half a record.
    /// SIGXFSZ is handled (<see cref="FileSizeSignal"/>), so a limit is an error here, not a kill.
    /// </summary>
    private static void WriteWhole(FileStream file, byte[] line)
    {
        var end = file.Seek(0, SeekOrigin.End);
        try
        {
            file.Write(line);
            file.Flush(flushToDisk: true);
        }
        catch (Exception cut) when (cut is IOException or ArgumentException)
        {
            // .NET reports EFBIG (past the file size limit) as an ArgumentException about the length.
            var why = cut is ArgumentException ? "the record would take the file past this process's file size limit (ulimit -f)" : cut.Message;
            try
            {
                file.SetLength(end);
                file.Flush(flushToDisk: true);
            }
            catch (IOException stuck)
            {
                throw new IOException($"{why}; the partial record could not be removed either ({stuck.Message}): check the journal with Test-MmAuditLog", cut);
            }

            throw new IOException($"{why}; the partial record was removed, the journal is as it was", cut);
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

    /// <summary>
    /// The journal's size, and how much of it the records written since <paramref name="since"/> take:
    /// read back from the end, line by line, until a record is older (each record's id starts with its time).
    /// </summary>
    public JournalGrowth Growth(DateTime since)
    {
        if (!File.Exists(Path))
        {
            return new JournalGrowth(0, 0);
        }

        using var file = File.OpenHandle(Path);
        var length = RandomAccess.GetLength(file);
        var recent = 0L;
        var head = new byte[IdAt + IdTimeLength];
        foreach (var start in LineStartsFromEnd(file, length))
        {
            var read = RandomAccess.Read(file, head, start);
            if (WrittenAt(head.AsSpan(0, read)) is not { } written || written < since)
            {
                break;
            }

            recent = length - start;
        }

        return new JournalGrowth(length, recent);
    }

    /// <summary>The time a line's id gives, or null when the line does not start as a record.</summary>
    private static DateTime? WrittenAt(ReadOnlySpan<byte> head) =>
        head.Length == IdAt + IdTimeLength && head.StartsWith("{\"prev_hash\":\""u8) && head[(IdAt - 8)..IdAt].SequenceEqual("\",\"id\":\""u8)
        && DateTime.TryParseExact(Encoding.ASCII.GetString(head[IdAt..]), IdTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    /// <summary>The offsets where lines start, last line first.</summary>
    private static IEnumerable<long> LineStartsFromEnd(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length)
    {
        var block = new byte[64 * 1024];
        // The byte before the end is the last line's newline: lines start after the newlines before it.
        for (var at = length - 1; at > 0;)
        {
            var size = (int)Math.Min(block.Length, at);
            at -= size;
            RandomAccess.Read(file, block.AsSpan(0, size), at);
            for (var i = size - 1; i >= 0; i--)
            {
                if (block[i] == (byte)'\n')
                {
                    yield return at + i + 1;
                }
            }
        }

        if (length > 0)
        {
            yield return 0;
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
        using var lines = File.ReadLines(Path).GetEnumerator();
        while (lines.MoveNext())
        {
            number++;
            var problem = CheckLine(lines.Current, expectedPrev, keyed, out var hash);
            if (problem is not null && !lines.MoveNext() && !EndsInNewline())
            {
                return new AuditVerification(Path, count, false, number, "the last line is part of a record, with no newline after it: a write was cut short (a torn tail). No state change runs until it is repaired; see Get-Help Test-MmAuditLog");
            }

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

    private bool EndsInNewline()
    {
        using var file = File.OpenHandle(Path);
        var length = RandomAccess.GetLength(file);
        var last = new byte[1];
        return length == 0 || (RandomAccess.Read(file, last, length - 1) == 1 && last[0] == (byte)'\n');
    }

    private static string? CheckLine(string line, string expectedPrev, JournalKey? key, out string hash) =>
        CheckHash(line, key, out hash)
        ?? (line.StartsWith(PrevHashPrefix, StringComparison.Ordinal) && string.CompareOrdinal(line, PrevHashPrefix.Length, expectedPrev, 0, 64) == 0
            ? null
            : "the chain is broken here (a record before it was removed, inserted or changed)");

    /// <summary>Null when the line is a record whose hash is the key's (plain SHA-256 without one) over its body.</summary>
    private static string? CheckHash(string line, JournalKey? key, out string hash)
    {
        hash = string.Empty;
        var suffixAt = line.Length - (HashSuffixStart.Length + 64 + 2);
        if (suffixAt <= 0 || !line.EndsWith("\"}", StringComparison.Ordinal) || string.CompareOrdinal(line, suffixAt, HashSuffixStart, 0, HashSuffixStart.Length) != 0)
        {
            return "the line is not a journal record (no hash at its end)";
        }

        hash = line.Substring(suffixAt + HashSuffixStart.Length, 64);
        var body = line[..suffixAt] + "}";
        return string.Equals(key is null ? JournalKey.Sha256(body) : key.Hash(body), hash, StringComparison.Ordinal)
            ? null
            : "the record was changed after it was written (its hash does not match)";
    }

    private OperatorException Unavailable(Exception error) => error is TornTailException torn
        ? new(
            ErrorIds.AuditJournalTornTail,
            ErrorCategory.InvalidData,
            $"The audit journal '{Path}' takes no more records: {torn.Problem}. Nothing was run: every state change must be recorded after a journal that verifies. A person repairs it: Test-MmAuditLog shows where it breaks; keep a copy of the file, then remove the part after its last complete record (see Get-Help Test-MmAuditLog), or start a new journal with Set-MmOperatorOption -AuditLogPath. A person's stop still runs meanwhile, recorded in the system log.",
            Path,
            error)
        : new(
            ErrorIds.AuditJournalUnavailable,
            ErrorCategory.WriteError,
            $"The audit journal '{Path}' cannot be written ({error.Message}). Nothing was run: every state change must be recorded. Fix the file or its folder, or choose another with Set-MmOperatorOption -AuditLogPath. A person's stop still runs meanwhile, recorded in the system log.",
            Path,
            error);

    private OperatorException TooLarge(AuditRecord record, int bytes) => new(
        ErrorIds.AuditRecordTooLarge,
        ErrorCategory.LimitsExceeded,
        $"The journal record of {record.Action} {record.Market} would be {bytes / 1024} KB, and a record is at most {MaxRecordBytes / 1024} KB. Nothing was run and nothing was recorded: longer text is refused, not cut. Give less at once (fewer rows, shorter values).",
        Path);

    private FileStream AcquireLock()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        return FileLock.Acquire(LockPath, LockWait);
    }

    private FileStream OpenForAppend()
    {
        // Unbuffered: a write that failed must not be written again when the stream is closed, after the cut.
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(Path, options);
    }

    /// <summary>
    /// The hash of the last record, once it verifies: a complete line (the file ends in a newline) whose
    /// hash is the key's over its body (plain SHA-256 for the records written before the key). Read from
    /// the file's end, so a long journal stays cheap. Anything else is a torn tail.
    /// </summary>
    private string VerifiedLastHash(FileStream file)
    {
        if (file.Length == 0)
        {
            return GenesisHash;
        }

        var line = LastLine(file);
        if (line is null)
        {
            throw new TornTailException(Path, "it ends in part of a record, with no newline after it: a write was cut short");
        }

        var key = JournalKey.Load(KeyPath);
        var stored = line.Length > 66 ? line[^66..^2] : string.Empty;
        var unkeyed = key is null || (key.UnkeyedUntil != GenesisHash && stored == key.UnkeyedUntil);
        return CheckHash(line, unkeyed ? null : key, out var hash) is { } problem
            ? throw new TornTailException(Path, $"its last record does not verify: {problem}")
            : hash;
    }

    /// <summary>The last line without its newline; null when the file does not end in one (a line cut short).</summary>
    private static string? LastLine(FileStream file)
    {
        for (var size = Math.Min(file.Length, MaxRecordBytes + 1); ; size = Math.Min(file.Length, size * 2))
        {
            var buffer = new byte[size];
            file.Seek(-size, SeekOrigin.End);
            file.ReadExactly(buffer);
            if (buffer[^1] != (byte)'\n')
            {
                return null;
            }

            // A record written before the limit may be longer than the first read: then read further back.
            var start = buffer.AsSpan(0, buffer.Length - 1).LastIndexOf((byte)'\n');
            if (start >= 0 || size == file.Length)
            {
                return Encoding.UTF8.GetString(buffer, start + 1, buffer.Length - start - 2);
            }
        }
    }

    /// <summary>A record's id: its time, then random hex.</summary>
    public static string NewId(DateTime time) =>
        time.ToString(IdTimeFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>A journal's last line does not verify: appending after it would chain to a record nobody can check.</summary>
    private sealed class TornTailException(string path, string problem) : IOException($"'{path}': {problem}")
    {
        public string Problem { get; } = problem;
    }
}

/// <summary>The journal's size in bytes, and how many of them the records since a time take.</summary>
public sealed record JournalGrowth(long Bytes, long BytesSince);

/// <summary>The outcome of Test-MmAuditLog (PSTypeName MmOperator.AuditVerification).</summary>
public sealed record AuditVerification(string Path, int RecordCount, bool IsValid, int? FirstBrokenLine, string? Problem)
{
    public const string TypeName = "MmOperator.AuditVerification";
}
