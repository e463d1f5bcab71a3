namespace MmOperator.Tests.Status;

/// <summary>mmctl's answer corrected by a fake process table: zombies are Crashed, untracked live bots Orphaned.</summary>
public sealed class ProcessTruthTests : IDisposable
{
    private static readonly OperatorOptions Options = OperatorOptions.Defaults("/home/operator", null);
    private static readonly DateTime When = new(2026, 12, 4, 15, 0, 0, DateTimeKind.Utc);
    private static readonly MarketCatalog Catalog = new("/repo",
    [
        new MarketEntry("eth", "ETH-USD", "/repo/.env.eth"),
        new MarketEntry("btc", "BTC-USD", "/repo/.env.btc"),
    ]);

    private readonly FakeProc _proc = new();
    private readonly TempDir _state = new();

    public void Dispose()
    {
        _proc.Dispose();
        _state.Dispose();
    }

    private OrphanStore Store => new(Path.Combine(_state.Path, "orphans.json"));

    private ProcessTruth Truth => new(Catalog, _proc.Table, Store);

    private static HostRunResult Eth(string status, int? pid) => new(
        HostCommand.MmctlStatus(Options, Catalog.FindBySlug("eth")!),
        HostRunStatus.Completed,
        0,
        $$"""{"generated_at": "2026-12-04T15:00:00Z", "instances": [{"controller_id": "env_eth", "status": "{{status}}", "pid": {{(pid is null ? "null" : pid)}}, "market": "ETH-USD", "env": "/repo/.env.eth", "log": "/repo/data/mm_journal/mm_env_eth.log"}]}""",
        string.Empty,
        TimeSpan.Zero);

    /// <summary>The status query over a fake mmctl that gives <paramref name="run"/>, as asked about its market (or all).</summary>
    private static IReadOnlyList<MarketStatus> Read(ProcessTruth truth, HostRunResult run) => new StatusQuery(Options, truth, _ => run).Read(run.Command.Market);

    private static HostRunResult All(string instances = "") => new(
        HostCommand.MmctlStatus(Options), HostRunStatus.Completed, 0, $$"""{"generated_at": "2026-12-04T15:00:00Z", "instances": [{{instances}}]}""", string.Empty, TimeSpan.Zero);

    [Fact]
    public void A_running_bot_that_is_a_zombie_is_Crashed_and_the_note_says_mmctl_believes_otherwise()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth", state: 'Z');

        var status = Assert.Single(Read(Truth, Eth("running", 100)));

        Assert.Equal((MarketState.Crashed, 100, true), (status.State, status.Pid, status.StalePidFile));
        Assert.Contains("zombie", status.Note, StringComparison.Ordinal);
        Assert.Contains("mmctl still calls it running", status.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrected_state_keeps_what_the_host_misreads_in_its_file()
    {
        var catalog = new MarketCatalog("/repo", [new MarketEntry("eth", "ETH-USD", "/repo/.env.eth") { Problem = "a byte-order mark hides MM_MARKET_NAME" }]);
        _proc.AddBot(100, 5000, "/repo/.env.eth", state: 'Z');

        var asked = Eth("running", 100) with { Command = HostCommand.MmctlStatus(Options, catalog.FindBySlug("eth")!) };

        var status = Assert.Single(Read(new ProcessTruth(catalog, _proc.Table, Store), asked));

        Assert.Equal((MarketState.Crashed, "a byte-order mark hides MM_MARKET_NAME"), (status.State, status.Problem));
    }

    [Fact]
    public void A_live_bot_mmctl_tracks_is_Running()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");

        var status = Assert.Single(Read(Truth, Eth("running", 100)));

        Assert.Equal((MarketState.Running, 100, null), (status.State, status.Pid, status.Note));
    }

    [Fact]
    public void A_running_bot_whose_env_file_or_the_shared_env_changed_after_it_started_runs_on_old_settings()
    {
        var repo = Directory.CreateDirectory(Path.Combine(_state.Path, "repo")).FullName;
        var eth = Path.Combine(repo, ".env.eth");
        File.WriteAllText(eth, "MM_MARKET_NAME=ETH-USD\nMM_ENVIRONMENT=mainnet\n");
        var catalog = MarketCatalog.Load(repo);
        var run = new HostRunResult(HostCommand.MmctlStatus(Options, catalog.FindBySlug("eth")!), HostRunStatus.Completed, 0, $$"""{"generated_at": "2026-12-04T15:00:00Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": 100, "market": "ETH-USD", "env": "{{eth}}"}]}""", string.Empty, TimeSpan.Zero);
        _proc.Booted(TimeSpan.FromSeconds(1000));
        _proc.AddBot(100, 990 * 100, eth);
        var truth = new ProcessTruth(catalog, _proc.Table, Store);
        File.SetLastWriteTimeUtc(eth, DateTime.UtcNow.AddSeconds(-20));

        var before = Assert.Single(Read(truth, run));
        File.SetLastWriteTimeUtc(eth, DateTime.UtcNow.AddSeconds(-5));
        var after = Assert.Single(Read(truth, run));
        File.SetLastWriteTimeUtc(eth, DateTime.UtcNow.AddSeconds(-20));
        File.WriteAllText(Path.Combine(repo, ".env"), "MM_LOG_LEVEL=INFO\n");
        var shared = Assert.Single(Read(truth, run));

        Assert.Equal((false, null, "mainnet"), (before.SettingsChanged, before.Note, before.Environment));
        Assert.Equal((MarketState.Running, true), (after.State, after.SettingsChanged));
        Assert.Matches(@"^settings changed since the bot started \(\.env\.eth at [-0-9 :]+Z\): it runs on the old ones until Restart-MmMarket eth$", after.Note);
        Assert.True(shared.SettingsChanged);
        Assert.Contains("(.env at ", shared.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bot_remembered_after_a_failed_stop_makes_its_market_Orphaned_with_its_pid()
    {
        _proc.Add(100, 5000, argv: ["python", "-m", "market_maker"]); // its environment is unreadable: only the record finds it
        Truth.Remember(Catalog.FindBySlug("eth")!, 100, MarketAction.Stop);

        var status = Assert.Single(Read(Truth, Eth("stopped", null)));

        Assert.Equal((MarketState.Orphaned, 100, false), (status.State, status.Pid, status.StalePidFile));
        Assert.Contains("left by a failed stop", status.Note, StringComparison.Ordinal);
        Assert.Contains("kill -TERM 100", status.Note, StringComparison.Ordinal);
        Assert.True(Truth.HasLiveBot(Catalog.FindBySlug("eth")!));
    }

    [Fact]
    public void A_remembered_pid_now_held_by_another_process_is_not_Orphaned()
    {
        _proc.Add(100, 5000, argv: ["python", "-m", "market_maker"]);
        Truth.Remember(Catalog.FindBySlug("eth")!, 100, MarketAction.Stop);
        _proc.Add(100, 8000); // the bot ended; its pid went to a new process

        Assert.Equal(MarketState.Stopped, Assert.Single(Read(Truth, Eth("stopped", null))).State);
        Assert.False(Truth.HasLiveBot(Catalog.FindBySlug("eth")!));
    }

    [Fact]
    public void A_bot_found_in_the_process_table_that_mmctl_does_not_list_is_Orphaned_in_every_listing_as_its_market_reads_alone()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");
        _proc.AddBot(200, 5200, "/repo/.env.sol"); // its file is gone: mmctl cannot be asked about it by name
        _proc.AddBot(300, 5300, "/elsewhere/.env.btc");
        var asked = new List<HostCommand>();
        var query = new StatusQuery(Options, Truth, command =>
        {
            asked.Add(command);
            return command.Market is null ? All() : Eth("stopped", null);
        });

        var listed = query.Read(null).ToDictionary(s => s.Slug);
        var alone = query.One(Catalog.FindBySlug("eth")!);
        var overview = query.Overview().ToDictionary(s => s.Slug);

        Assert.Equal(("ETH-USD", MarketState.Orphaned, 100, "env_eth"), (listed["eth"].Market, listed["eth"].State, listed["eth"].Pid, listed["eth"].ControllerId));
        Assert.Contains("found in the process table", listed["eth"].Note, StringComparison.Ordinal);
        Assert.Equivalent(alone, listed["eth"], strict: true);
        Assert.Equal(("sol", MarketState.Orphaned, 200), (listed["sol"].Market, listed["sol"].State, listed["sol"].Pid));
        Assert.Equal(2, listed.Count);
        Assert.Equal((MarketState.Orphaned, MarketState.Stopped), (overview["eth"].State, overview["btc"].State));
        Assert.Equal(["status --json", "status eth --json"], asked.Take(2).Select(c => string.Join(" ", c.Argv.Skip(1))));
    }

    [Fact]
    public void A_second_bot_beside_the_one_mmctl_tracks_is_Orphaned_and_names_both()
    {
        _proc.AddBot(100, 5000, "/repo/.env.eth");
        _proc.AddBot(101, 5100, "/repo/.env.eth");

        var status = Assert.Single(Read(Truth, Eth("running", 101)));

        Assert.Equal((MarketState.Orphaned, 100), (status.State, status.Pid));
        Assert.Contains("beside mmctl's bot (pid 101)", status.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pid_file_names_an_unreaped_pid_only_while_that_process_is_a_zombie()
    {
        var repo = Path.Combine(_state.Path, "repo");
        var catalog = new MarketCatalog(repo, [new MarketEntry("eth", "ETH-USD", Path.Combine(repo, ".env.eth"))]);
        var truth = new ProcessTruth(catalog, _proc.Table, Store);
        var eth = catalog.FindBySlug("eth")!;
        Assert.Null(truth.UnreapedPid(eth));
        Directory.CreateDirectory(Path.Combine(repo, "data", "pids"));
        File.WriteAllText(Path.Combine(repo, "data", "pids", "env_eth.pid"), " 100\n");

        _proc.AddBot(100, 5000, catalog.RepoPath + "/.env.eth");
        Assert.Null(truth.UnreapedPid(eth));
        _proc.AddBot(100, 5000, catalog.RepoPath + "/.env.eth", state: 'Z');
        Assert.Equal(100, truth.UnreapedPid(eth));
        _proc.Remove(100);
        Assert.Null(truth.UnreapedPid(eth));
    }

    [Fact]
    public void Without_a_process_table_mmctls_word_stands()
    {
        var truth = new ProcessTruth(Catalog, new ProcessTable("/nonexistent-proc"), Store);

        Assert.Equal(MarketState.Running, Assert.Single(Read(truth, Eth("running", 100))).State);
    }
}
