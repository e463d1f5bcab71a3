using System.Text.Json;
using MmOperator.IO;

namespace MmOperator.Lifecycle;

/// <summary>A bot that outlived a stop or restart: mmctl removed its pid file, so only this record remembers it.</summary>
public sealed record OrphanRecord(string Market, int Pid, ulong StartTicks, DateTime RecordedAt, string Action)
{
    /// <summary>Its process still lives: same pid, same start time, not exited.</summary>
    public bool StillRuns(ProcessTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Find(Pid) is { HasExited: false } entry && entry.IsSameAs(Pid, StartTicks);
    }
}

/// <summary>
/// What failed stops and restarts learned, in one private JSON file beside the audit journal, so the
/// next command in any session still knows the live pid mmctl forgot. A record matches its process
/// only while the pid AND its start time match, so a reused pid is never taken for the bot; records
/// whose process is gone are dropped the next time one is added. Written atomically under a lock.
/// </summary>
public sealed class OrphanStore
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public OrphanStore(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
    }

    public string Path { get; }

    /// <summary>Every record; an unreadable or hand-broken file reads as none (the /proc scan still finds the bots).</summary>
    public IReadOnlyList<OrphanRecord> List()
    {
        try
        {
            return File.Exists(Path) ? JsonSerializer.Deserialize<List<OrphanRecord>>(File.ReadAllText(Path), Json) ?? [] : [];
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Keeps one more record, and drops those whose process <paramref name="table"/> no longer has.</summary>
    public void Add(OrphanRecord record, ProcessTable table)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(table);
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var guard = FileLock.Acquire(Path + ".lock", LockWait);
        var kept = List().Where(r => (r.Pid, r.StartTicks) != (record.Pid, record.StartTicks) && r.StillRuns(table)).Append(record).ToList();
        var temp = Path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(kept, Json));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }
}
