namespace MmOperator.Tests.Status;

public class StatusReaderTests
{
    private static readonly OperatorOptions Options = OperatorOptions.Defaults("/home/operator", null);
    private static readonly MarketCatalog Catalog = new("/home/operator/Code/MM",
    [
        new MarketEntry("eth", "ETH-USD", "/home/operator/Code/MM/.env.eth"),
        new MarketEntry("btc", "BTC-USD", "/home/operator/Code/MM/.env.btc"),
    ]);

    private static HostRunResult Run(HostCommand command, string stdout) => new(command, HostRunStatus.Completed, 0, stdout, string.Empty, TimeSpan.Zero);

    [Fact]
    public void A_running_instance()
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.HostOutputFixtures, "mmctl-status-all.json"));

        var status = StatusReader.ReadReport(Run(HostCommand.MmctlStatus(Options), json), Catalog).Instances.Single();

        Assert.Equal(("ETH-USD", "eth", MarketState.Running, 8340, "env_eth", false), (status.Market, status.Slug, status.State, status.Pid!.Value, status.ControllerId, status.StalePidFile));
        Assert.Equal("/home/operator/Code/MM/.env.eth", status.EnvFile);
        Assert.Equal(new DateTime(2026, 11, 26, 7, 13, 25, DateTimeKind.Utc), status.GeneratedAt);
        Assert.Equal(DateTimeKind.Utc, status.GeneratedAt.Kind);
    }

    [Fact]
    public void A_never_started_market_is_named_from_the_catalog()
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.HostOutputFixtures, "mmctl-status-one-unknown.json"));

        var status = StatusReader.ReadReport(Run(HostCommand.MmctlStatus(Options, Catalog.FindBySlug("btc")!), json), Catalog).Instances.Single();

        Assert.Equal(("BTC-USD", "btc", MarketState.Stopped, false), (status.Market, status.Slug, status.State, status.StalePidFile));
        Assert.Null(status.Pid);
        Assert.Equal("/home/operator/Code/MM/.env.btc", status.EnvFile);
    }

    [Theory]
    [InlineData("003-mmctl-status-all-running-and-stale.json", "BTC-USD")]
    [InlineData("011-mmctl-status-one-stale.json", "ETH-USD")]
    public void A_bot_that_died_is_Crashed_as_mmctl_really_reports_it(string recording, string market)
    {
        var status = StatusReader.ReadReport(Recorded(recording), Catalog).Instances.Single(s => s.Market == market);

        Assert.Equal((MarketState.Crashed, true), (status.State, status.StalePidFile));
        Assert.NotNull(status.Pid);
    }

    [Theory]
    [InlineData("009-mmctl-status-one-stopped-env-present.json", "BTC-USD")]
    [InlineData("005-mmctl-status-all-odd-pid-files.json", "foo")]
    public void Stopped_without_a_pid_is_Stopped(string recording, string market)
    {
        var status = StatusReader.ReadReport(Recorded(recording), Catalog).Instances.Single(s => s.Market == market);

        Assert.Equal((MarketState.Stopped, false, null), (status.State, status.StalePidFile, status.Pid));
    }

    /// <summary>The stdout of a recorded mmctl run, answering the argv it was recorded with.</summary>
    private static HostRunResult Recorded(string recording)
    {
        using var scenario = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ConformanceFixtures, recording)));
        var argv = scenario.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList();
        var command = argv.Count == 3 ? HostCommand.MmctlStatus(Options, Catalog.FindBySlug(argv[1]!)!) : HostCommand.MmctlStatus(Options);
        return Run(command, scenario.RootElement.GetProperty("stdout").GetString()!);
    }

    [Theory]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"controller_id": "env_eth", "status": "paused", "pid": 1, "market": null, "env": null}]}""")]
    [InlineData("""{"generated_at": "yesterday", "instances": []}""")]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": "x", "market": null, "env": null}]}""")]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"status": "running", "pid": 1, "market": null, "env": null}]}""")]
    public void Anything_off_contract_is_an_unusable_answer(string json)
    {
        var error = Assert.Throws<HostCommandException>(() => StatusReader.ReadReport(Run(HostCommand.MmctlStatus(Options), json), Catalog).Instances);

        Assert.Equal(MmOperator.Errors.ErrorIds.HostOutputInvalid, error.ErrorId);
    }
}
