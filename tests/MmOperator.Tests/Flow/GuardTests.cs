using System.Text.Json.Nodes;

namespace MmOperator.Tests.Flow;

/// <summary>Fat-finger limits, real money named, and the restart an edit needs, on the fake host.</summary>
public sealed class GuardTests : IDisposable
{
    private const string Reason = "raise the limit";
    private const string Flag = "RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')";
    private const string StatusJson = """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": 8340, "market": "ETH-USD", "env": "/r/.env.eth"}]}""";
    private readonly FakeFlowContext _host = new();

    public GuardTests()
    {
        File.WriteAllText(EthFile, "MM_MARKET_NAME=ETH-USD\nMM_MAX_POSITION_SIZE=100\nMM_DEADMAN_ENABLED=true\n");
        _host.CmdletName = "Set-MmEnvParam";
        _host.Run = command => FakeFlowContext.Answered(command, StatusJson);
    }

    public void Dispose() => _host.Dispose();

    private string EthFile => Path.Combine(_host.RepoPath, ".env.eth");

    /// <summary>One Set-MmEnvParam command: its refusals are journalled when it ends, as the cmdlet does.</summary>
    private void Set(string key, string value, bool force = false)
    {
        var flow = new RunbookFlow(_host) { Force = force };
        new EnvEditFlow(flow, "set").Run(new EnvEditRequest([Market.Parse("eth")], false, key, false, Reason, _ => value));
        flow.RecordRefusals();
    }

    [Fact]
    public void A_limit_raised_1000x_with_Confirm_false_alone_is_refused_naming_the_factor_and_nothing_is_written()
    {
        var before = File.ReadAllText(EthFile);

        Set("MM_MAX_POSITION_SIZE", "100000");

        var refusal = Assert.Single(_host.Errors);
        Assert.Equal(ErrorIds.RiskChangeNeedsForce, refusal.FullyQualifiedErrorId);
        Assert.Contains(Flag, refusal.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("-Force", refusal.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(EthFile));
        Assert.Empty(_host.Output);
        Assert.Equal((AuditOutcome.Refused, ErrorIds.RiskChangeNeedsForce), (_host.Journalled[^1].Outcome, _host.Journalled[^1].ErrorId));
    }

    [Fact]
    public void With_Force_the_flagged_change_is_made_and_the_approval_says_so()
    {
        Set("MM_MAX_POSITION_SIZE", "100000", force: true);

        Assert.Empty(_host.Errors);
        Assert.Contains($"- {Flag}\n", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Contains("MM_MAX_POSITION_SIZE=100000", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Equal("ConfirmFalse+Force", Assert.IsType<EnvChange>(Assert.Single(_host.Output)).Approval);
    }

    [Fact]
    public void A_person_confirms_by_retyping_the_market_and_anything_else_declines()
    {
        _host.Approval = ApprovalMode.Prompted;
        _host.Typed = () => "eth-usd ";
        Set("MM_DEADMAN_ENABLED", "false");

        Assert.Contains("RISK: MM_DEADMAN_ENABLED guard off ('true' -> 'false')", Assert.Single(_host.LinePrompts), StringComparison.Ordinal);
        Assert.Contains("Type ETH-USD to confirm", _host.LinePrompts[0], StringComparison.Ordinal);
        Assert.Equal("Prompted+Retyped", Assert.IsType<EnvChange>(Assert.Single(_host.Output)).Approval);

        _host.Typed = () => "y";
        Set("MM_MAX_POSITION_SIZE", "0.5");

        Assert.Contains("MM_MAX_POSITION_SIZE=100\n", File.ReadAllText(EthFile), StringComparison.Ordinal);
        Assert.Single(_host.Output);
        Assert.Equal(AuditOutcome.Declined, _host.Journalled[^1].Outcome);
        Assert.Contains("x0.005", _host.Warnings[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_ordinary_change_asks_nothing_more()
    {
        Set("MM_MAX_POSITION_SIZE", "900");

        Assert.Empty(_host.Errors);
        Assert.DoesNotContain("RISK", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal("ConfirmFalse", Assert.IsType<EnvChange>(Assert.Single(_host.Output)).Approval);
    }

    [Fact]
    public void In_a_restricted_session_the_request_is_flagged_and_the_approved_ticket_needs_no_Force()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        Set("MM_MAX_POSITION_SIZE", "100000");
        var request = Assert.Single(_host.Approvals.List());
        Assert.Equal([Flag], request.Flags);
        Assert.StartsWith(Flag + "\n", request.Details, StringComparison.Ordinal);
        _host.Approvals.Decide(request.Id, approve: true, "human");
        _host.Errors.Clear();

        new EnvEditFlow(new RunbookFlow(_host, [request.Id]), "set").Run(new EnvEditRequest([Market.Parse("eth")], false, "MM_MAX_POSITION_SIZE", false, Reason, _ => "100000"));

        Assert.Empty(_host.Errors);
        Assert.Contains("MM_MAX_POSITION_SIZE=100000", File.ReadAllText(EthFile), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mainnet_market_is_named_in_every_plan()
    {
        File.AppendAllText(EthFile, "MM_ENVIRONMENT=mainnet\n");
        _host.Catalog = MarketCatalog.Load(_host.RepoPath);
        _host.IsWhatIf = true;

        Set("MM_MAX_POSITION_SIZE", "150");
        new RunbookFlow(_host).ApproveAndRun(MarketAction.Restart, [Market.Parse("eth")], Reason);
        var submission = new ProposalSubmission(new AdvisorFlow(new RunbookFlow(_host)));
        submission.Collect((where, catalog, policy) => ProposalRow.Create("eth", "MM_SKEW_MAX_BPS", "25", null, null, null, null, where, catalog, policy));
        submission.Submit(Reason, rowReasons: false);

        Assert.Equal(3, _host.HostText.Count);
        Assert.All(_host.HostText[..2], plan => Assert.Contains("\n- Environment: MAINNET (real money)\n", plan, StringComparison.Ordinal));
        Assert.Contains("\n- Environment: MAINNET (real money): ETH-USD\n", _host.HostText[2], StringComparison.Ordinal);
        Assert.Equal("mainnet", Assert.Single(_host.Catalog.Markets).Environment);
    }

    [Fact]
    public void One_question_for_several_markets_names_the_mainnet_ones()
    {
        using var host = new FakeFlowContext("btc") { IsWhatIf = true };
        File.AppendAllText(Path.Combine(host.RepoPath, ".env.btc"), "MM_ENVIRONMENT=mainnet\n");
        host.Catalog = MarketCatalog.Load(host.RepoPath);

        new RunbookFlow(host).ApproveAndRun(MarketAction.Stop, [Market.Parse("eth"), Market.Parse("btc")], Reason);

        Assert.Contains("\n- Environment: MAINNET (real money): BTC-USD\n- Reason:", Assert.Single(host.HostText), StringComparison.Ordinal);
    }

    [Fact]
    public void An_edit_of_a_running_markets_file_says_it_takes_effect_on_restart()
    {
        Set("MM_MAX_POSITION_SIZE", "150");

        var change = Assert.IsType<EnvChange>(Assert.Single(_host.Output));
        Assert.Equal("on restart", change.TakesEffect);
        Assert.Equal("ETH-USD is running: the change takes effect on restart (Restart-MmMarket eth)", change.Note);
        Assert.Equal(change.Note, Assert.Single(_host.Warnings));
    }

    [Fact]
    public void A_repos_risk_keys_add_limits_guards_and_breakers()
    {
        File.WriteAllText(Path.Combine(_host.RepoPath, "mm_config", "policy", "risk_keys.json"), """{"limits": ["MM_SKEW_MAX_BPS"], "breakers": {"MM_TREND_STRONG_THRESHOLD": {"offAtOrAbove": 0.99}}, "guards": ["MM_TREND_ENABLED"]}""");
        var risk = RepoPolicy.Load(_host.RepoPath).Risk;

        Assert.Equal("x10", risk.Assess("MM_SKEW_MAX_BPS", "20", "200")?.What);
        Assert.StartsWith("breaker off", risk.Assess("MM_TREND_STRONG_THRESHOLD", "0.7", "0.99")?.What, StringComparison.Ordinal);
        Assert.Equal("guard off", risk.Assess("MM_TREND_ENABLED", "true", "0")?.What);
        Assert.Null(RiskPolicy.Shipped.Assess("MM_SKEW_MAX_BPS", "20", "200"));
    }

    [Theory]
    [InlineData("MM_MAX_POSITION_SIZE", "100", "1000", "x10")]
    [InlineData("MM_MAX_POSITION_SIZE", "100", "10", "x0.1")]
    [InlineData("MM_MAX_POSITION_SIZE", "100", "999", null)]
    [InlineData("MM_MAX_POSITION_NOTIONAL_USD", "5000", "0", "to 0")]
    [InlineData("MM_MAX_POSITION_NOTIONAL_USD", "0", "5000", "from 0")]
    [InlineData("MM_MAX_POSITION_NOTIONAL_USD", null, "0", "to 0")]
    [InlineData("MM_MAX_POSITION_NOTIONAL_USD", null, "5000", null)]
    [InlineData("MM_MAX_POSITION_SIZE", "100", null, "removed")]
    [InlineData("MM_DRAWDOWN_STOP_ENABLED", "true", "false", "guard off")]
    [InlineData("MM_DRAWDOWN_STOP_ENABLED", null, "false", "guard off")]
    [InlineData("MM_DRAWDOWN_STOP_ENABLED", "false", "true", null)]
    [InlineData("MM_DRAWDOWN_STOP_ENABLED", "true", null, "removed")]
    [InlineData("MM_DRAWDOWN_STOP_ENABLED", "false", null, null)]
    [InlineData("MM_FAILURE_RATE_TRIP", "0.35", "1", "breaker off (at 1 or more it never trips)")]
    [InlineData("MM_CIRCUIT_BREAKER_MAX_FAILURES", "5", "50", "x10")]
    [InlineData("MM_SPREAD_MULTIPLIER", "1.5", "150", null)]
    public void Risk_changes_are_those_of_the_shipped_policy(string key, string? before, string? after, string? what) =>
        Assert.Equal(what, RiskPolicy.Shipped.Assess(key, before, after)?.What);

    [Fact]
    public void An_advisor_proposal_that_raises_a_limit_1000x_needs_Force_and_its_request_is_flagged()
    {
        var row = new JsonObject
        {
            ["proposal_id"] = "p1", ["ts"] = 1795677214, ["market"] = "ETH-USD", ["env_path"] = EthFile, ["param"] = "MM_MAX_POSITION_SIZE", ["old"] = "100", ["proposed"] = "100000",
            ["confidence"] = "high", ["guardrail_status"] = "passed", ["rejected"] = false, ["deadman"] = true, ["escalation_target"] = "warren",
        };
        var path = PendingProposals.ProposalsPath(_host.RepoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, row.ToJsonString() + "\n");
        var listing = new JsonObject { ["pending"] = 1, ["mode"] = "list", ["proposals_path"] = path, ["results"] = new JsonArray(JsonNode.Parse(row.ToJsonString())) };
        _host.Run = command => FakeFlowContext.Answered(command, listing.ToJsonString());
        _host.CmdletName = "Invoke-MmAdvisorAutoApply";

        new AdvisorFlow(new RunbookFlow(_host)).WarrenAuto(Reason);

        Assert.Equal(ErrorIds.RiskChangeNeedsForce, Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Contains("RISK: ETH-USD MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')", _host.Errors[0].Exception.Message, StringComparison.Ordinal);
        Assert.Equal(HostCommandShape.AdvisorListPending, Assert.Single(_host.Ran).Shape);

        _host.Errors.Clear();
        (_host.LanguageMode, _host.CmdletName) = (PSLanguageMode.ConstrainedLanguage, "Approve-MmAdvisorProposal");
        new AdvisorFlow(new RunbookFlow(_host)).ApproveProposals(["p1"], Reason);

        Assert.Equal(["RISK: ETH-USD MM_MAX_POSITION_SIZE x1000 ('100' -> '100000')"], Assert.Single(_host.Approvals.List()).Flags);
    }
}
