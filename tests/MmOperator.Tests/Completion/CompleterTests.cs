namespace MmOperator.Tests.Completion;

public sealed class CompleterTests : IDisposable
{
    private readonly TempDir _repo = new();

    public CompleterTests()
    {
        _repo.Write(".env", "MM_LOG_LEVEL=INFO\nEXTENDED_ENV=testnet\nMM_API_KEY=shared-secret\n");
        _repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\nMM_ENVIRONMENT=testnet\nMM_SPREAD_MULTIPLIER=1.5\nMM_STARK_PRIVATE_KEY=0xabc\nMM_SKEW_MAX_BPS=20\nMM_SPREAD_MULTIPLIER=1.6\nMM_DB_PASSWORD=x\nMM_SKIP_LIST=a\n");
        _repo.Write(".env.btc", "MM_MARKET_NAME=BTC-USD\nMM_BTC_ONLY=1\n");
        _repo.Write("mm_config/policy/protected_keys.json", """["MM_SKIP_LIST"]""");
    }

    public void Dispose() => _repo.Dispose();

    private IEnumerable<string> Keys(string? market, bool editableOnly, string word = "")
    {
        var files = RepoEnvFiles.Read(_repo.Path);
        return EnvKeyCompleter.Complete(files, MarketCatalog.Load(files), market, KeyRules.Load(_repo.Path), editableOnly, word).Select(c => c.Text);
    }

    [Fact]
    public void An_edit_is_offered_only_the_MM_keys_it_may_change_of_the_markets_file()
    {
        Assert.Equal(["MM_SKEW_MAX_BPS", "MM_SPREAD_MULTIPLIER"], Keys("eth", editableOnly: true));
        Assert.Equal(["MM_SKEW_MAX_BPS", "MM_SPREAD_MULTIPLIER"], Keys("ETH-USD", editableOnly: true));
        Assert.Equal(["MM_BTC_ONLY"], Keys(".env.btc", editableOnly: true));
    }

    [Fact]
    public void Reading_is_offered_every_MM_key_of_the_file_once()
    {
        Assert.Equal(["MM_DB_PASSWORD", "MM_ENVIRONMENT", "MM_MARKET_NAME", "MM_SKEW_MAX_BPS", "MM_SKIP_LIST", "MM_SPREAD_MULTIPLIER", "MM_STARK_PRIVATE_KEY"], Keys("eth", editableOnly: false));
    }

    [Fact]
    public void Without_a_market_the_shared_env_is_completed_and_an_unknown_market_gets_nothing()
    {
        Assert.Equal(["MM_LOG_LEVEL"], Keys(null, editableOnly: true));
        Assert.Equal(["MM_API_KEY", "MM_LOG_LEVEL"], Keys(null, editableOnly: false));
        Assert.Empty(Keys("doge", editableOnly: true));
        Assert.Empty(Keys("not a market!", editableOnly: true));
    }

    [Theory]
    [InlineData("mm_sp", new[] { "MM_SPREAD_MULTIPLIER" })]
    [InlineData("'MM_SK", new[] { "MM_SKEW_MAX_BPS" })]
    [InlineData("EXT", new string[0])]
    public void Keys_complete_from_the_word_typed_in_any_case(string word, string[] expected) =>
        Assert.Equal(expected, Keys("eth", editableOnly: true, word));

    [Fact]
    public void No_tooltip_carries_a_value()
    {
        var files = RepoEnvFiles.Read(_repo.Path);
        var offered = EnvKeyCompleter.Complete(files, MarketCatalog.Load(files), null, KeyRules.Runbook, editableOnly: false, string.Empty);
        Assert.All(offered, c => Assert.Equal($"{c.Text} in .env", c.ToolTip));
    }

    [Fact]
    public void Proposal_ids_come_from_the_pending_ones_newest_first_with_protected_values_masked()
    {
        var pending = PendingProposals.Parse(
            [
                """{"proposal_id":"ETH_USD-1-manual-MM_SPREAD_MULTIPLIER","ts":1,"market":"ETH-USD","param":"MM_SPREAD_MULTIPLIER","old":"1.5","proposed":"1.8"}""",
                """{"proposal_id":"ETH_USD-2-manual-MM_API_KEY","ts":2,"market":"ETH-USD","param":"MM_API_KEY","old":"k1","proposed":"k2"}""",
                """{"proposal_id":"ETH_USD-3-manual-MM_SKEW_MAX_BPS","ts":3,"market":"ETH-USD","param":"MM_SKEW_MAX_BPS","old":"20","proposed":"25"}""",
                """{"proposal_id":"bad id; rm -rf","ts":4,"market":"ETH-USD","param":"MM_SKEW_MAX_BPS","proposed":"26"}""",
            ],
            ["""{"proposal_id":"ETH_USD-3-manual-MM_SKEW_MAX_BPS","result":"applied"}"""]);

        var offered = ProposalIdCompleter.Complete(pending, KeyRules.Runbook, string.Empty).ToList();

        Assert.Equal(["ETH_USD-2-manual-MM_API_KEY", "ETH_USD-1-manual-MM_SPREAD_MULTIPLIER"], offered.Select(c => c.Text));
        Assert.Equal("ETH-USD MM_API_KEY: '********' -> '********'", offered[0].ToolTip);
        Assert.Equal("ETH-USD MM_SPREAD_MULTIPLIER: '1.5' -> '1.8'", offered[1].ToolTip);
        Assert.Equal(["ETH_USD-1-manual-MM_SPREAD_MULTIPLIER"], ProposalIdCompleter.Complete(pending, KeyRules.Runbook, "eth_usd-1").Select(c => c.Text));
    }

    [Fact]
    public void Audit_actions_complete_from_the_names_the_journal_records()
    {
        var offered = new AuditActionCompleter().CompleteArgument("Get-MmAuditLog", "Action", "adv", null!, new System.Collections.Hashtable());

        Assert.Equal(["advisor_submit", "advisor_list", "advisor_approve", "advisor_warren_auto"], offered.Select(c => c.CompletionText));
        Assert.Equal(["start", "stop", "restart", "set", "remove"], AuditActions.All.Take(5));
        Assert.All(offered, c => Assert.Equal(CompletionResultType.ParameterValue, c.ResultType));
    }
}
