using System.Text.Json.Nodes;

namespace MmOperator.Tests.Flow;

/// <summary>
/// Values from the host's files are shown by key (issue 19): a value of an ordinary key that holds the
/// vault id shows as it is, in plans, results and the journal. Masking the part that equals the secret
/// would answer, with no approval, whether a chosen value holds it.
/// </summary>
public sealed class ByKeyDisplayTests : IDisposable
{
    private const string Reason = "size review";
    private const string Vault = "2118250";
    private const string HoldsTheVault = "1" + Vault + "0";
    private const string ProposalId = "ETH_USD-1795677214-manual-MM_MAX_POSITION_SIZE";
    private readonly FakeFlowContext _host = new();

    public ByKeyDisplayTests()
    {
        File.WriteAllText(EnvPath, $"MM_MARKET_NAME=ETH-USD\nMM_VAULT_ID={Vault}\nMM_MAX_POSITION_SIZE=100\n");
        _host.Masker = SecretMasker.ForRepo(_host.RepoPath);
    }

    public void Dispose() => _host.Dispose();

    private string EnvPath => Path.Combine(_host.RepoPath, ".env.eth");

    /// <summary>A pending proposal, as the submit script writes it, that warren-auto would take.</summary>
    private JsonObject Row(string param, string proposed) => new()
    {
        ["proposal_id"] = ProposalId, ["ts"] = 1795677214, ["market"] = "ETH-USD", ["env_path"] = EnvPath, ["param"] = param, ["old"] = "100", ["proposed"] = proposed,
        ["confidence"] = "high", ["guardrail_status"] = "passed", ["rejected"] = false, ["deadman"] = true, ["escalation_target"] = "warren",
    };

    private void Pending(JsonObject row)
    {
        var path = PendingProposals.ProposalsPath(_host.RepoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, row.ToJsonString() + "\n");
    }

    private static string StatusJson => """{"generated_at": "2026-11-26T07:13:26Z", "instances": [{"controller_id": "env_eth", "status": "running", "pid": 8340, "market": "ETH-USD", "env": "/r/.env.eth"}]}""";

    [Theory]
    [InlineData("Approve-MmAdvisorProposal")]
    [InlineData("Invoke-MmAdvisorAutoApply")]
    public void A_restricted_sessions_plan_shows_a_proposed_value_that_holds_a_secret_as_it_is(string cmdlet)
    {
        Pending(Row("MM_MAX_POSITION_SIZE", HoldsTheVault));
        (_host.CmdletName, _host.LanguageMode, _host.IsWhatIf) = (cmdlet, PSLanguageMode.ConstrainedLanguage, true);
        var advisor = new AdvisorFlow(new RunbookFlow(_host));

        if (cmdlet == "Invoke-MmAdvisorAutoApply")
        {
            advisor.WarrenAuto(Reason);
        }
        else
        {
            advisor.ApproveProposals([ProposalId], Reason);
        }

        Assert.Empty(_host.Errors);
        Assert.Contains($"ETH-USD MM_MAX_POSITION_SIZE: '100' -> '{HoldsTheVault}'", Assert.Single(_host.HostText), StringComparison.Ordinal);
        Assert.Empty(_host.Ran);
    }

    [Fact]
    public void An_applied_proposal_is_planned_reported_and_journalled_with_its_values_as_they_are()
    {
        var row = Row("MM_MAX_POSITION_SIZE", HoldsTheVault);
        Pending(row);
        _host.CmdletName = "Approve-MmAdvisorProposal";
        _host.Run = command => FakeFlowContext.Answered(command, command.Shape switch
        {
            HostCommandShape.AdvisorListPending => new JsonObject { ["pending"] = 1, ["mode"] = "human", ["proposals_path"] = PendingProposals.ProposalsPath(_host.RepoPath), ["results"] = new JsonArray(row.DeepClone()) }.ToJsonString(),
            HostCommandShape.AdvisorApprove => $$"""{"selected": 1, "applied": 1, "failed": 0, "skipped": 0, "mode": "human", "applied_by": "human", "dry_run": false, "results": [{"proposal_id": "{{ProposalId}}", "result": "applied", "env_before_hash": "a", "env_after_hash": "b"}]}""",
            _ => StatusJson,
        });

        // A limit raised far beyond 10x: a risk change, confirmed here as a script does.
        new AdvisorFlow(new RunbookFlow(_host) { Force = true }).ApproveProposals([ProposalId], Reason);

        Assert.Empty(_host.Errors);
        Assert.Contains($"'100' -> '{HoldsTheVault}'", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        var applied = Assert.IsType<ProposalApplication>(Assert.Single(_host.Output));
        Assert.Equal(("100", HoldsTheVault), (applied.PreviousValue, applied.NewValue));
        Assert.Equal(HoldsTheVault, _host.Journalled[^1].NewValue);
    }

    [Fact]
    public void A_secret_like_keys_values_are_masked_whole_and_its_proposal_is_never_applied()
    {
        var row = Row("MM_HMAC_KEY", "hmac-" + Vault);
        Pending(row);
        (_host.CmdletName, _host.LanguageMode, _host.IsWhatIf) = ("Approve-MmAdvisorProposal", PSLanguageMode.ConstrainedLanguage, true);

        new AdvisorFlow(new RunbookFlow(_host)).ApproveProposals([ProposalId], Reason);

        Assert.Equal("protected_key", Assert.Single(_host.Errors).FullyQualifiedErrorId);
        Assert.Empty(_host.HostText);
        var shown = new ProposalRecord(System.Text.Json.JsonDocument.Parse(row.ToJsonString()).RootElement).ToProposal(KeyRules.Runbook);
        Assert.Equal((SecretMasker.Mask, SecretMasker.Mask, true), (shown.PreviousValue, shown.NewValue, shown.IsProtected));
    }

    [Fact]
    public void An_env_edit_plans_reports_and_journals_the_previous_value_as_it_is()
    {
        File.WriteAllText(EnvPath, $"MM_MARKET_NAME=ETH-USD\nMM_VAULT_ID={Vault}\nMM_MAX_POSITION_SIZE={HoldsTheVault}\n");
        _host.CmdletName = "Set-MmEnvParam";
        _host.Run = command => FakeFlowContext.Answered(command, StatusJson);

        // The value falls far below the vault-sized one: a risk change, confirmed here as a script does.
        new EnvEditFlow(new RunbookFlow(_host) { Force = true }, "set").Run(new EnvEditRequest([Market.Parse("eth")], false, "MM_MAX_POSITION_SIZE", false, Reason, key => "5"));

        Assert.Empty(_host.Errors);
        Assert.Contains($"'{HoldsTheVault}' -> '5'", Assert.Single(_host.Prompts), StringComparison.Ordinal);
        Assert.Equal(HoldsTheVault, Assert.IsType<EnvChange>(Assert.Single(_host.Output)).PreviousValue);
        Assert.Equal(HoldsTheVault, _host.Journalled[^1].PreviousValue);
    }
}
