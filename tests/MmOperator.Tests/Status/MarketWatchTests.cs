using Xunit;

namespace MmOperator.Tests.Status;

/// <summary>Watch-MmMarket's marks and uptime, refresh by refresh: no clock, no wait.</summary>
public sealed class MarketWatchTests
{
    private static readonly DateTime Now = new(2026, 12, 4, 13, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_first_refresh_marks_only_what_needs_a_human_and_shows_uptime()
    {
        var rows = new MarketWatch().Refresh([Running("ETH-USD", 4242), Market("BTC-USD", MarketState.Crashed, 4243), Market("SOL-USD", MarketState.Stopped)], StartedAt, Now);
        Assert.Equal(["", "!", ""], rows.Select(r => r.Mark));
        Assert.Equal("01:02:03", rows[0].UptimeText);
        Assert.Null(rows[1].Uptime);
        Assert.Null(rows[2].Uptime);
    }

    [Fact]
    public void A_later_refresh_marks_what_changed_since_the_one_before()
    {
        var watch = new MarketWatch();
        watch.Refresh([Running("ETH-USD", 4242), Market("BTC-USD", MarketState.Stopped), Market("SOL-USD", MarketState.Stopped)], StartedAt, Now);
        var rows = watch.Refresh([Market("ETH-USD", MarketState.Orphaned, 4242), Market("BTC-USD", MarketState.Stopped), Running("SOL-USD", 4244), Market("XRP-USD", MarketState.Stopped)], StartedAt, Now.AddSeconds(2));
        Assert.Equal(["!*", "", "*", "*"], rows.Select(r => r.Mark));
        var again = watch.Refresh([Market("ETH-USD", MarketState.Orphaned, 4242), Market("BTC-USD", MarketState.Stopped), Running("SOL-USD", 4244), Market("XRP-USD", MarketState.Stopped)], StartedAt, Now.AddSeconds(4));
        Assert.Equal(["!", "", "", ""], again.Select(r => r.Mark));
    }

    [Fact]
    public void Uptime_counts_days_and_is_unknown_without_a_start()
    {
        var rows = new MarketWatch().Refresh([Running("ETH-USD", 1), Running("BTC-USD", 2)], pid => pid == 1 ? Now.AddDays(-3).AddMinutes(-5) : null, Now);
        Assert.Equal("3.00:05:00", rows[0].UptimeText);
        Assert.Null(rows[1].UptimeText);
    }

    private static DateTime? StartedAt(int pid) => Now.AddHours(-1).AddMinutes(-2).AddSeconds(-3);

    private static MarketStatus Running(string market, int pid) => Market(market, MarketState.Running, pid);

    private static MarketStatus Market(string market, MarketState state, int? pid = null) => new()
    {
        Market = market,
        Slug = market.Split('-')[0].ToLowerInvariant(),
        State = state,
        Pid = pid,
        ControllerId = "local",
        GeneratedAt = Now,
    };
}
