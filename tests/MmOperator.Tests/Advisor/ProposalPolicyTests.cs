using System.Text.Json;

namespace MmOperator.Tests.Advisor;

public sealed class ProposalPolicyTests : IDisposable
{
    private readonly TempDir _repo = new();
    private readonly RepoPolicy _policy;
    private readonly MarketCatalog _catalog;

    public ProposalPolicyTests()
    {
        _repo.Write(".env.eth", "MM_MARKET_NAME=ETH-USD\n");
        _repo.Write(".env.btc", "MM_MARKET_NAME=BTC-USD\n");
        _repo.WritePolicyFixtures();

        _policy = RepoPolicy.Load(_repo.Path);
        _catalog = MarketCatalog.Load(_repo.Path);
    }

    private string EthFile => Path.Combine(_repo.Path, ".env.eth");

    public void Dispose() => _repo.Dispose();

    [Theory]
    [InlineData("MM_API_KEY", "x", ErrorIds.ProtectedKey)]
    [InlineData("MM_ENVIRONMENT", "mainnet", ErrorIds.HumanOnlyKey)]
    [InlineData("MM_MARKET_NAME", "BTC-USD", ErrorIds.HumanOnlyKey)]
    [InlineData("mm_market_name", "BTC-USD", ErrorIds.HumanOnlyKey)]
    [InlineData(" MM_ENVIRONMENT", "mainnet", ErrorIds.HumanOnlyKey)]
    [InlineData("MM_NUM_PRICE_LEVELS", "", ErrorIds.EmptyProposedValue)]
    [InlineData("MM_NUM_PRICE_LEVELS", "   ", ErrorIds.EmptyProposedValue)]
    [InlineData("MM_NUM_PRICE_LEVELS", " # a comment", ErrorIds.EmptyProposedValue)]
    [InlineData("MM_NUM_PRICE_LEVELS", "3", null)]
    [InlineData("MM_NUM_PRICE_LEVELS", null, null)]
    [InlineData("MM_NUM_PRICE_LEVELS", "3\nMM_ENVIRONMENT=mainnet", ErrorIds.InvalidEnvValue)]
    [InlineData("MM_NUM_PRICE_LEVELS", "99", ErrorIds.EnvValueOutOfBounds)]
    [InlineData("MM_OFFSET_MODE", "sideways", ErrorIds.EnvValueOutOfBounds)]
    [InlineData("MM_TREND_ENABLED", "TRUE", null)]
    [InlineData(" MM_VAULT_ID", "1", ErrorIds.ProtectedKey)]
    [InlineData("mm_spread_multiplier", "1.5", ErrorIds.InvalidEnvKey)]
    [InlineData("EXTENDED_ENV", "testnet", ErrorIds.NonMmKeyRefused)]
    public void A_proposal_that_may_never_reach_the_apply_script_is_refused(string param, string? proposed, string? errorId)
    {
        var proposal = Proposal($$"""{"proposal_id": "p-1", "market": "ETH-USD", "env_path": {{JsonSerializer.Serialize(EthFile)}}, "param": {{JsonSerializer.Serialize(param)}}, "proposed": {{JsonSerializer.Serialize(proposed)}}}""");

        var refusal = ProposalPolicy.Refusal(proposal, _policy, _catalog);

        Assert.Equal(errorId, refusal?.ErrorId);
        if (refusal is not null)
        {
            Assert.Contains("p-1", refusal.Message, StringComparison.Ordinal);
            Assert.Contains("not applied", refusal.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_human_only_key_is_refused_as_permission_denied_and_sent_to_a_human()
    {
        var refusal = ProposalPolicy.Refusal(Proposal("""{"proposal_id": "p-2", "market": "ETH-USD", "param": "MM_MARKET_NAME", "proposed": "BTC-USD"}"""), _policy, _catalog)!;

        Assert.Equal(ErrorCategory.PermissionDenied, refusal.Category);
        Assert.Contains("to a human", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recorded_empty_proposal_that_blanked_its_key_is_refused_with_the_safe_alternatives()
    {
        using var recorded = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ConformanceFixtures, "117-apply-approve-empty-proposed.json")));
        var row = recorded.RootElement.GetProperty("setup").GetProperty("files").GetProperty("Code/MM/data/mm_audit/advisor/proposals.jsonl").GetProperty("content").GetString()!.Trim();

        var refusal = ProposalPolicy.Refusal(Proposal(row), _policy, _catalog)!;

        Assert.Equal(ErrorIds.EmptyProposedValue, refusal.ErrorId);
        Assert.Contains("Remove-MmEnvParam", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("submit a proposal with a proper value", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".env.btc")]
    [InlineData("../outside/.env.eth")]
    [InlineData("/etc/cron.d/mm")]
    [InlineData(".env.eth.candidate")]
    [InlineData(null)]
    public void A_proposal_whose_env_path_is_not_its_markets_file_is_refused_naming_both(string? envPath)
    {
        var path = envPath is null ? null : envPath.StartsWith('/') ? envPath : Path.Combine(_repo.Path, envPath);
        var proposal = Proposal($$"""{"proposal_id": "p-3", "market": "ETH-USD", "env_path": {{JsonSerializer.Serialize(path)}}, "param": "MM_NUM_PRICE_LEVELS", "proposed": "3"}""");

        var refusal = ProposalPolicy.Refusal(proposal, _policy, _catalog)!;

        Assert.Equal(ErrorIds.ProposalEnvFileRefused, refusal.ErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, refusal.Category);
        Assert.Contains(EthFile, refusal.Message, StringComparison.Ordinal);
        Assert.Null(ProposalPolicy.Refusal(Proposal($$"""{"proposal_id": "p-4", "market": "ETH-USD", "env_path": {{JsonSerializer.Serialize(EthFile)}}, "param": "MM_NUM_PRICE_LEVELS", "proposed": "3"}"""), _policy, _catalog));
    }

    [Fact]
    public void A_proposal_for_a_market_the_repo_does_not_have_is_refused() =>
        Assert.Equal(ErrorIds.ProposalEnvFileRefused, ProposalPolicy.Refusal(Proposal($$"""{"proposal_id": "p-5", "market": "SOL-USD", "env_path": {{JsonSerializer.Serialize(EthFile)}}, "param": "MM_NUM_PRICE_LEVELS", "proposed": "3"}"""), _policy, _catalog)!.ErrorId);

    [Fact]
    public void A_key_protected_only_by_the_repo_policy_is_refused_and_its_values_are_masked()
    {
        _repo.Write(Path.Combine("mm_config", "policy", "protected_keys.json"), "[\"MM_DESK_WEBHOOK\"]");
        var policy = RepoPolicy.Load(_repo.Path);
        using var json = JsonDocument.Parse($$"""{"proposal_id": "p-6", "market": "ETH-USD", "env_path": {{JsonSerializer.Serialize(EthFile)}}, "param": "MM_DESK_WEBHOOK", "old": "https://hooks.example/a", "proposed": "https://evil.example/b"}""");
        var proposal = new ProposalRecord(json.RootElement).ToProposal(policy.Keys);

        Assert.True(proposal.IsProtected);
        Assert.Equal(("********", "********"), (proposal.PreviousValue, proposal.NewValue));
        Assert.Equal(ErrorIds.ProtectedKey, ProposalPolicy.Refusal(proposal, policy, _catalog)!.ErrorId);
    }

    [Fact]
    public void A_listed_proposal_is_shown_with_the_host_files_invisible_characters_escaped()
    {
        var proposal = Proposal("{\"proposal_id\": \"p-7\", \"market\": \"ETH-USD\\u001b[8m\", \"param\": \"MM_SPREAD_MULTIPLIER\", \"old\": \"1.5\\n\", \"proposed\": \"1.8\\u202e\", \"confidence\": \"high\\u200b\"}");

        var shown = proposal.Shown();

        Assert.Equal(("p-7", "ETH-USD\\u{1B}[8m", "1.5\\u{0A}", "1.8\\u{202E}", "high\\u{200B}"), (shown.ProposalId, shown.Market, shown.PreviousValue, shown.NewValue, shown.Confidence));
        Assert.Equal("ETH-USD\u001b[8m", proposal.Market);
    }

    private static AdvisorProposal Proposal(string row)
    {
        using var json = JsonDocument.Parse(row);
        return new ProposalRecord(json.RootElement).ToProposal(MmOperator.Security.KeyRules.Runbook);
    }
}
