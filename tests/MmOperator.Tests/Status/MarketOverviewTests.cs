namespace MmOperator.Tests.Status;

public class MarketOverviewTests
{
    private static readonly DateTime Generated = new(2026, 11, 26, 7, 13, 25, DateTimeKind.Utc);
    private static readonly MarketCatalog Catalog = new("/home/operator/Code/MM",
    [
        new MarketEntry("eth", "ETH-USD", "/home/operator/Code/MM/.env.eth"),
        new MarketEntry("btc", "BTC-USD", "/home/operator/Code/MM/.env.btc"),
        new MarketEntry("mu_24_5", "MU_24_5-USD", "/home/operator/Code/MM/.env.mu_24_5"),
    ]);

    private static MarketStatus Listed(string market, string slug, MarketState state, int? pid) => new()
    {
        Market = market, Slug = slug, State = state, Pid = pid, ControllerId = "env_" + slug, GeneratedAt = Generated,
        LogPath = $"/home/operator/Code/MM/data/mm_journal/mm_env_{slug}.log",
    };

    [Fact]
    public void Every_market_file_appears_once_with_what_mmctl_listed_and_the_rest_stopped()
    {
        var report = new StatusReport(Generated, [Listed("ETH-USD", "eth", MarketState.Running, 8340), Listed("MU_24_5-USD", "mu_24_5", MarketState.Crashed, 8341)]);

        var markets = MarketOverview.Build(report, Catalog);

        Assert.Equal(["BTC-USD", "ETH-USD", "MU_24_5-USD"], markets.Select(m => m.Market));
        Assert.Equal([MarketState.Stopped, MarketState.Running, MarketState.Crashed], markets.Select(m => m.State));
        var quiet = markets[0];
        Assert.Equal(("btc", "env_btc", "/home/operator/Code/MM/.env.btc", Generated), (quiet.Slug, quiet.ControllerId, quiet.EnvFile, quiet.GeneratedAt));
        Assert.Null(quiet.Pid);
        Assert.Null(quiet.LogPath);
        Assert.False(quiet.StalePidFile);
        Assert.True(markets[2].StalePidFile);
    }

    [Fact]
    public void An_instance_whose_file_is_not_a_market_is_kept_in_order()
    {
        var report = new StatusReport(Generated, [Listed("sol", "sol", MarketState.Running, 77), Listed("AAA-USD", "aaa", MarketState.Crashed, 78)]);

        var markets = MarketOverview.Build(report, Catalog);

        Assert.Equal(["AAA-USD", "BTC-USD", "ETH-USD", "MU_24_5-USD", "sol"], markets.Select(m => m.Market));
        Assert.Equal(77, markets[^1].Pid);
    }

    [Fact]
    public void A_quiet_host_still_lists_every_market_at_the_listings_time()
    {
        var markets = MarketOverview.Build(new StatusReport(Generated, []), Catalog);

        Assert.Equal(3, markets.Count);
        Assert.All(markets, m => Assert.Equal((MarketState.Stopped, Generated), (m.State, m.GeneratedAt)));
        Assert.Empty(MarketOverview.Build(new StatusReport(Generated, []), new MarketCatalog("/r", [])));
    }
}
