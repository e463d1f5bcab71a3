namespace MmOperator.Tests.Status;

public class MarketWaiterTests
{
    private static readonly MarketEntry Eth = new("eth", "ETH-USD", "/r/.env.eth");
    private static readonly MarketEntry Btc = new("btc", "BTC-USD", "/r/.env.btc");

    private static MarketStatus Status(MarketEntry entry, MarketState state) => new()
    {
        Market = entry.DisplayName, Slug = entry.Slug, State = state, ControllerId = "env_" + entry.Slug, GeneratedAt = DateTime.UtcNow,
    };

    /// <summary>A waiter on a fake clock that moves only when it pauses; the states each market shows, poll by poll (the last one stays).</summary>
    private sealed class Scripted
    {
        private readonly Dictionary<MarketEntry, Queue<MarketState?>> _states = [];
        private TimeSpan _now = TimeSpan.Zero;

        public List<string> Reads { get; } = [];

        public List<TimeSpan> Pauses { get; } = [];

        public int StopAfterPauses { get; init; } = int.MaxValue;

        public Scripted Shows(MarketEntry entry, params MarketState?[] states)
        {
            _states[entry] = new Queue<MarketState?>(states);
            return this;
        }

        public MarketWaiter Waiter() => new(Read, Pause, () => _now);

        private MarketStatus? Read(MarketEntry entry)
        {
            Reads.Add(entry.Slug);
            var queue = _states[entry];
            var state = queue.Count > 1 ? queue.Dequeue() : queue.Peek();
            return state is { } s ? Status(entry, s) : null;
        }

        private bool Pause(TimeSpan time)
        {
            Pauses.Add(time);
            _now += time;
            return Pauses.Count < StopAfterPauses;
        }
    }

    [Fact]
    public void A_market_already_in_the_state_is_reported_after_one_look()
    {
        var script = new Scripted().Shows(Eth, MarketState.Running);

        var outcome = Assert.Single(script.Waiter().Wait([Eth], MarketState.Running, TimeSpan.FromSeconds(5)));

        Assert.True(outcome.Reached);
        Assert.Equal(["eth"], script.Reads);
        Assert.Empty(script.Pauses);
    }

    [Fact]
    public void Each_market_is_polled_until_it_reaches_the_state_and_then_no_more()
    {
        var script = new Scripted()
            .Shows(Eth, MarketState.Running, MarketState.Running, MarketState.Stopped)
            .Shows(Btc, MarketState.Running, MarketState.Stopped);

        var outcomes = script.Waiter().Wait([Eth, Btc, Eth], MarketState.Stopped, TimeSpan.FromSeconds(5)).ToList();

        Assert.Equal(["btc", "eth"], outcomes.Select(o => o.Entry.Slug));
        Assert.All(outcomes, o => Assert.Equal((true, MarketState.Stopped), (o.Reached, o.Status!.State)));
        Assert.Equal(["eth", "btc", "eth", "btc", "eth"], script.Reads);
        Assert.All(script.Pauses, p => Assert.Equal(MarketWaiter.PollInterval, p));
    }

    [Fact]
    public void At_the_deadline_the_market_is_reported_with_its_last_status()
    {
        var script = new Scripted().Shows(Eth, MarketState.Running);

        var outcome = Assert.Single(script.Waiter().Wait([Eth], MarketState.Stopped, TimeSpan.FromSeconds(1.1)));

        Assert.False(outcome.Reached);
        Assert.Equal(MarketState.Running, outcome.Status!.State);
        Assert.Equal(1.1, script.Pauses.Sum(p => p.TotalSeconds), 6);
        Assert.Equal(TimeSpan.FromSeconds(0.1), script.Pauses[^1]);
        Assert.Equal(script.Pauses.Count + 1, script.Reads.Count);
    }

    [Fact]
    public void Ctrl_C_ends_the_wait_with_nothing_more_reported()
    {
        var script = new Scripted { StopAfterPauses = 2 }.Shows(Eth, MarketState.Running);

        Assert.Empty(script.Waiter().Wait([Eth], MarketState.Stopped, TimeSpan.FromSeconds(60)));
        Assert.Equal(2, script.Pauses.Count);
    }

    [Fact]
    public void A_market_whose_status_cannot_be_read_is_no_longer_waited_for()
    {
        var script = new Scripted().Shows(Eth, [null]).Shows(Btc, MarketState.Stopped, MarketState.Running);

        var outcome = Assert.Single(script.Waiter().Wait([Eth, Btc], MarketState.Running, TimeSpan.FromSeconds(5)));

        Assert.Equal("btc", outcome.Entry.Slug);
        Assert.Equal(["eth", "btc", "btc"], script.Reads);
    }

    [Theory]
    [InlineData(MarketState.Stopped, MarketState.Running, "BTC-USD is Stopped, not Running, after 1.5 s. Next step: it is not running; check its last start with Get-MmAuditLog -Market btc")]
    [InlineData(MarketState.Crashed, MarketState.Running, "the bot died; have a human read its log (Get-MmLog btc)")]
    [InlineData(MarketState.Crashed, MarketState.Stopped, "Stop-MmMarket btc -Reason <why> clears the pid file")]
    [InlineData(MarketState.Running, MarketState.Stopped, "it is still quoting")]
    [InlineData(MarketState.Running, MarketState.Crashed, "nothing to do")]
    [InlineData(MarketState.Orphaned, MarketState.Stopped, "a bot mmctl does not know still runs, and mmctl cannot stop it; escalate to a human")]
    [InlineData(MarketState.Stopped, MarketState.Orphaned, "nothing to do: no bot of it runs without mmctl knowing it")]
    [InlineData(null, MarketState.Running, "BTC-USD is unknown, not Running")]
    public void A_timeout_names_the_state_and_the_closest_safe_next_step(MarketState? now, MarketState wanted, string expected)
    {
        var outcome = new WaitOutcome(Btc, now is { } s ? Status(Btc, s) : null, false);

        var error = MarketWaiter.TimedOut(outcome, wanted, TimeSpan.FromSeconds(1.5));

        Assert.Equal((ErrorIds.WaitTimedOut, ErrorCategory.OperationTimeout), (error.ErrorId, error.Category));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(now is null ? "BTC-USD" : outcome.Status, error.Target);
    }
}
