namespace MmOperator.Tests.Lifecycle;

public sealed class ProcessTableTests : IDisposable
{
    private readonly FakeProc _proc = new();

    public void Dispose() => _proc.Dispose();

    [Fact]
    public void A_process_is_read_with_its_state_and_start_time_even_when_its_name_holds_spaces_and_parentheses()
    {
        _proc.Add(100, 5000, name: "my (odd) name");
        _proc.Add(101, 7000, state: 'Z');

        Assert.Equal(new ProcessEntry(100, 'S', 5000), _proc.Table.Find(100));
        Assert.True(_proc.Table.Find(101)!.HasExited);
        Assert.Null(_proc.Table.Find(102));
        Assert.Null(_proc.Table.Find(0));
    }

    [Fact]
    public void The_same_pid_with_another_start_time_is_another_process()
    {
        _proc.Add(100, 5000);

        Assert.True(_proc.Table.Find(100)!.IsSameAs(100, 5000));
        Assert.False(_proc.Table.Find(100)!.IsSameAs(100, 4999));
    }

    [Fact]
    public void Bots_are_live_market_maker_processes_with_the_env_file_their_environment_or_command_line_names()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");
        _proc.AddBot(101, 5100, "/repo/.env.btc", state: 'Z');
        _proc.Add(102, 5200, argv: ["python3", "-m", "http.server"], environ: ["ENV=/repo/.env.eth"]);
        _proc.Add(103, 5300, argv: ["python", "-m", "market_maker", "--env", ".env.spx"], cwd: "/repo");
        _proc.Add(104, 5400, argv: ["python", "-m", "market_maker"]);

        var bots = _proc.Table.Bots().OrderBy(b => b.Pid).ToList();

        Assert.Equal([new BotProcess(100, 5000, "/repo/.env.eth"), new BotProcess(103, 5300, "/repo/.env.spx")], bots);
    }

    [Fact]
    public void Without_a_proc_folder_nothing_can_be_said()
    {
        var table = new ProcessTable("/nonexistent-proc");

        Assert.False(table.IsReadable);
        Assert.Empty(table.Bots());
        Assert.Null(table.Find(1));
    }
}
