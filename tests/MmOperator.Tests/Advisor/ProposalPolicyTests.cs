using System.Management.Automation;
using System.Text.Json;
using MmOperator.Advisor;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Tests.Support;

namespace MmOperator.Tests.Advisor;

public sealed class ProposalPolicyTests
{
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
    public void A_proposal_that_may_never_reach_the_apply_script_is_refused(string param, string? proposed, string? errorId)
    {
        var proposal = Proposal($$"""{"proposal_id": "p-1", "market": "ETH-USD", "param": {{JsonSerializer.Serialize(param)}}, "proposed": {{JsonSerializer.Serialize(proposed)}}}""");

        var refusal = ProposalPolicy.Refusal(proposal, Policy);

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
        var refusal = ProposalPolicy.Refusal(Proposal("""{"proposal_id": "p-2", "market": "ETH-USD", "param": "MM_MARKET_NAME", "proposed": "BTC-USD"}"""), Policy)!;

        Assert.Equal(ErrorCategory.PermissionDenied, refusal.Category);
        Assert.Contains("to a human", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_recorded_empty_proposal_that_blanked_its_key_is_refused_with_the_safe_alternatives()
    {
        using var recorded = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ConformanceFixtures, "117-apply-approve-empty-proposed.json")));
        var row = recorded.RootElement.GetProperty("setup").GetProperty("files").GetProperty("Code/MM/data/mm_audit/advisor/proposals.jsonl").GetProperty("content").GetString()!.Trim();

        var refusal = ProposalPolicy.Refusal(Proposal(row), Policy)!;

        Assert.Equal(ErrorIds.EmptyProposedValue, refusal.ErrorId);
        Assert.Contains("Remove-MmEnvParam", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("submit a proposal with a proper value", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>The bot's own policy files, as a repo holds them.</summary>
    private static RepoPolicy Policy { get; } = FixturePolicy();

    private static RepoPolicy FixturePolicy()
    {
        using var repo = new TempDir();
        foreach (var file in Directory.GetFiles(TestPaths.PolicyFixtures))
        {
            repo.Write(Path.Combine("mm_config", "policy", Path.GetFileName(file)), File.ReadAllText(file));
        }

        return RepoPolicy.Load(repo.Path);
    }

    private static AdvisorProposal Proposal(string row)
    {
        using var json = JsonDocument.Parse(row);
        return new ProposalRecord(json.RootElement).ToProposal(new HashSet<string>());
    }
}
