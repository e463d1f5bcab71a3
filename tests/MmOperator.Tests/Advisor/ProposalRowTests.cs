using System.Text.Json;

namespace MmOperator.Tests.Advisor;

public sealed class ProposalRowTests : IDisposable
{
    private readonly TempDir _repo = new();
    private readonly MarketCatalog _catalog;
    private readonly RepoPolicy _policy;

    public ProposalRowTests()
    {
        _repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\n");
        _repo.WritePolicyFixtures();

        _catalog = MarketCatalog.Load(_repo.Path);
        _policy = RepoPolicy.Load(_repo.Path);
    }

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void A_market_whose_symbol_the_submit_script_refuses_is_refused_first_with_the_direct_edit_as_the_way()
    {
        _repo.Write(".env.spx500m", "MM_MARKET_NAME=SPX500m-USD\n");

        var error = Assert.Throws<OperatorException>(() => ProposalRow.FromJson("""{"market": "SPX500m-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8"}""", "line 1", MarketCatalog.Load(_repo.Path), _policy));

        Assert.Equal(ErrorIds.InvalidProposalRow, error.ErrorId);
        Assert.Contains("upper-case symbols", error.Message, StringComparison.Ordinal);
        Assert.Contains("Set-MmEnvParam -Market spx500m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_is_normalised_to_the_fields_the_script_takes()
    {
        var row = ProposalRow.FromJson("""{"market": ".env.eth", "param": "MM_NUM_PRICE_LEVELS", "proposed": 3, "deadman": true, "confidence": "high", "escalation_target": "warren", "reason": "more depth"}""", "line 1", _catalog, _policy);

        using var json = JsonDocument.Parse(row.ToJsonLine());
        Assert.Equal("ETH-USD", json.RootElement.GetProperty("market").GetString());
        Assert.Equal("3", json.RootElement.GetProperty("proposed").GetString());
        Assert.True(json.RootElement.GetProperty("deadman").GetBoolean());
        Assert.Equal(["market", "param", "proposed", "reason", "confidence", "escalation_target", "deadman"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("""{"market": "ETH-USD", "param": "MM_API_KEY", "proposed": "x"}""", ErrorIds.ProtectedKey)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_HOOK_SECRET", "proposed": "x"}""", ErrorIds.ProtectedKey)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_MARKET_NAME", "proposed": "BTC-USD"}""", ErrorIds.HumanOnlyKey)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_ENVIRONMENT", "proposed": "mainnet"}""", ErrorIds.HumanOnlyKey)]
    [InlineData("""{"market": "ETH/USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8"}""", ErrorIds.InvalidMarketFormat)]
    [InlineData("""{"market": "SOL-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8"}""", ErrorIds.UnknownMarket)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8", "env_file": "/etc/passwd"}""", ErrorIds.InvalidProposalRow)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8", "proposal_id": "--approve"}""", ErrorIds.InvalidProposalRow)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER"}""", ErrorIds.InvalidProposalRow)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_LOG_LEVEL", "proposed": "INFO\nMM_X=1"}""", ErrorIds.InvalidEnvValue)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_NUM_PRICE_LEVELS", "proposed": 50}""", ErrorIds.EnvValueOutOfBounds)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8", "confidence": "sure"}""", ErrorIds.InvalidProposalRow)]
    [InlineData("""{"market": "ETH-USD", "param": "MM_SPREAD_MULTIPLIER", "proposed": "1.8", "deadman": "maybe"}""", ErrorIds.InvalidProposalRow)]
    [InlineData("""[1, 2]""", ErrorIds.InvalidProposalRow)]
    [InlineData("""not json""", ErrorIds.InvalidProposalRow)]
    public void Rows_are_refused_before_the_script_runs_naming_where(string line, string id)
    {
        var error = Assert.Throws<OperatorException>(() => ProposalRow.FromJson(line, "in.jsonl line 7", _catalog, _policy));

        Assert.Equal(id, error.ErrorId);
        Assert.Contains("in.jsonl line 7", error.Message, StringComparison.Ordinal);
    }
}
