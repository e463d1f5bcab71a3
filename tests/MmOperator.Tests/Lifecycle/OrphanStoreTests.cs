namespace MmOperator.Tests.Lifecycle;

public sealed class OrphanStoreTests : IDisposable
{
    private static readonly DateTime When = new(2026, 12, 4, 15, 0, 0, DateTimeKind.Utc);
    private readonly FakeProc _proc = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        _proc.Dispose();
        _dir.Dispose();
    }

    private OrphanStore Store => new(Path.Combine(_dir.Path, "state", "orphans.json"));

    [Fact]
    public void A_record_is_kept_in_a_private_file_and_read_back()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");
        var record = new OrphanRecord("eth", 100, 5000, When, "stop");

        Store.Add(record, _proc.Table);

        Assert.Equal([record], Store.List());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Store.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(Store.Path)!));
        Assert.True(record.StillRuns(_proc.Table));
    }

    [Fact]
    public void A_record_whose_process_is_gone_or_whose_pid_was_reused_no_longer_runs_and_is_dropped_at_the_next_add()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");
        _proc.AddBot(200, 6000, "/repo/.env.btc");
        _proc.AddBot(300, 6500, "/repo/.env.spx");
        Store.Add(new OrphanRecord("eth", 100, 5000, When, "stop"), _proc.Table);
        Store.Add(new OrphanRecord("btc", 200, 6000, When, "restart"), _proc.Table);
        _proc.Add(100, 9000); // pid 100 reused by another process
        _proc.Remove(200);

        Assert.All(Store.List(), r => Assert.False(r.StillRuns(_proc.Table)));
        var kept = new OrphanRecord("spx", 300, 6500, When, "stop");
        Store.Add(kept, _proc.Table);

        Assert.Equal([kept], Store.List());
    }

    [Fact]
    public void An_unreadable_file_reads_as_no_record()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Store.Path)!);
        File.WriteAllText(Store.Path, "not json");

        Assert.Empty(Store.List());
    }
}
