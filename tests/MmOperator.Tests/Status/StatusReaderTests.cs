using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Status;
using MmOperator.Tests.Support;

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

        var status = StatusReader.Read(Run(HostCommand.MmctlStatus(Options), json), Catalog).Single();

        Assert.Equal(("ETH-USD", "eth", MarketState.Running, 8340, "env_eth", false), (status.Market, status.Slug, status.State, status.Pid!.Value, status.ControllerId, status.StalePidFile));
        Assert.Equal("/home/operator/Code/MM/.env.eth", status.EnvFile);
        Assert.Equal(new DateTime(2026, 11, 26, 7, 13, 25, DateTimeKind.Utc), status.GeneratedAt);
        Assert.Equal(DateTimeKind.Utc, status.GeneratedAt.Kind);
    }

    [Fact]
    public void A_never_started_market_is_named_from_the_catalog()
    {
        var json = File.ReadAllText(Path.Combine(TestPaths.HostOutputFixtures, "mmctl-status-one-unknown.json"));

        var status = StatusReader.Read(Run(HostCommand.MmctlStatus(Options, Catalog.FindBySlug("btc")!), json), Catalog).Single();

        Assert.Equal(("BTC-USD", "btc", MarketState.Stopped, false), (status.Market, status.Slug, status.State, status.StalePidFile));
        Assert.Null(status.Pid);
        Assert.Equal("/home/operator/Code/MM/.env.btc", status.EnvFile);
    }

    [Fact]
    public void A_stopped_instance_with_a_pid_is_a_stale_pid_file()
    {
        const string json = """{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"controller_id": "env_eth", "status": "stopped", "pid": 99999, "market": "ETH-USD", "env": "/home/operator/Code/MM/.env.eth", "log": null}]}""";

        var status = StatusReader.Read(Run(HostCommand.MmctlStatus(Options), json), Catalog).Single();

        Assert.True(status.StalePidFile);
    }

    [Theory]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"controller_id": "env_eth", "status": "paused", "pid": 1, "market": null, "env": null}]}""")]
    [InlineData("""{"generated_at": "yesterday", "instances": []}""")]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": "x", "market": null, "env": null}]}""")]
    [InlineData("""{"generated_at": "2026-11-26T07:13:25Z", "instances": [{"status": "running", "pid": 1, "market": null, "env": null}]}""")]
    public void Anything_off_contract_is_an_unusable_answer(string json)
    {
        var error = Assert.Throws<HostCommandException>(() => StatusReader.Read(Run(HostCommand.MmctlStatus(Options), json), Catalog));

        Assert.Equal(MmOperator.Errors.ErrorIds.HostOutputInvalid, error.ErrorId);
    }
}
