namespace MmOperator.Tests.Flow;

/// <summary>A command's .env edits are one campaign: all checked first, one question, all or nothing.</summary>
public sealed class CampaignTests : IDisposable
{
    private const string Reason = "campaign";
    private const string StatusJson = """{"generated_at": "2026-11-26T07:13:26Z", "instances": []}""";
    private static readonly string[] Slugs = ["eth", "btc", "sol"];
    private readonly FakeFlowContext _host = new("btc", "sol");

    public CampaignTests()
    {
        _host.CmdletName = "Set-MmEnvParam";
        _host.Run = command => FakeFlowContext.Answered(command, StatusJson);
        foreach (var slug in Slugs)
        {
            File.AppendAllText(EnvFile(slug), "MM_SKEW_MAX_BPS=20\nMM_MAX_POSITION_SIZE=100\n");
        }
    }

    public void Dispose() => _host.Dispose();

    private string EnvFile(string slug) => Path.Combine(_host.RepoPath, $".env.{slug}");

    private string Files => string.Concat(Slugs.Select(s => File.ReadAllText(EnvFile(s))));

    private static EnvEditRequest Row(string market, string key, string value) => new([Market.Parse(market)], false, key, false, Reason, _ => value == "bad" ? throw new OperatorException(ErrorIds.InvalidEnvValue, ErrorCategory.InvalidArgument, "refused", value) : value);

    private void Run(bool continueOnError = false, bool force = false, IReadOnlyList<string>? tickets = null, params EnvEditRequest[] rows)
    {
        var flow = new RunbookFlow(_host, tickets) { Force = force };
        new EnvEditFlow(flow, AuditActions.EnvSet) { ContinueOnError = continueOnError }.Run(rows);
        flow.RecordRefusals();
    }

    [Fact]
    public void One_refused_row_writes_nothing_asks_nothing_and_each_refusal_is_its_own_error_then_one_summary()
    {
        var before = Files;

        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "bad"), Row("sol", "MM_SKEW_MAX_BPS", "bad"), Row("nope", "MM_SKEW_MAX_BPS", "21")]);

        Assert.Equal(before, Files);
        Assert.Empty(_host.Prompts);
        Assert.Empty(_host.Output);
        Assert.Equal([ErrorIds.InvalidEnvValue, ErrorIds.InvalidEnvValue, ErrorIds.UnknownMarket, ErrorIds.EnvCampaignNotApplied], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Contains("3 of the 4 edits", _host.Errors[^1].Exception.Message, StringComparison.Ordinal);
        var record = Assert.Single(_host.Journalled);
        Assert.Equal(AuditOutcome.Refused, record.Outcome);
    }

    [Fact]
    public void With_ContinueOnError_the_valid_rows_are_asked_once_and_written()
    {
        Run(continueOnError: true, rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "bad"), Row("sol", "MM_SKEW_MAX_BPS", "22")]);

        Assert.Equal([ErrorIds.InvalidEnvValue], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Single(_host.Prompts);
        Assert.Equal(["21", "22"], _host.Output.Cast<EnvChange>().Select(c => c.NewValue));
    }

    [Fact]
    public void Several_files_are_one_question_listing_each_key_diff_and_one_batch_in_the_journal()
    {
        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22"), Row("sol", "MM_SKEW_MAX_BPS", "20")]);

        var question = Assert.Single(_host.Prompts);
        Assert.Contains($"  1. set MM_SKEW_MAX_BPS in {EnvFile("eth")}: '20' -> '21'\n  2. set MM_SKEW_MAX_BPS in {EnvFile("btc")}: '20' -> '22'\n- Reason: campaign", question, StringComparison.Ordinal);
        Assert.DoesNotContain(".env.sol", question, StringComparison.Ordinal);
        Assert.Equal([true, true, false], _host.Output.Cast<EnvChange>().Select(c => c.Changed));
        Assert.Single(_host.Journalled.Select(r => r.Batch).Distinct());
    }

    [Fact]
    public void WhatIf_prints_the_one_Plan_then_the_rows_that_change_nothing()
    {
        _host.IsWhatIf = true;

        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22"), Row("sol", "MM_SKEW_MAX_BPS", "20")]);

        Assert.Equal(2, _host.HostText.Count);
        Assert.StartsWith("Plan:\n- Action(s):\n  1. set MM_SKEW_MAX_BPS", _host.HostText[0], StringComparison.Ordinal);
        Assert.Equal($"No change: MM_SKEW_MAX_BPS in {EnvFile("sol")} is already '20'.", _host.HostText[1]);
        Assert.Empty(_host.Journalled);
    }

    [Fact]
    public void A_declined_campaign_writes_nothing()
    {
        var before = Files;
        _host.Answer = () => false;

        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22")]);

        Assert.Equal(before, Files);
        Assert.Equal(AuditOutcome.Declined, Assert.Single(_host.Journalled).Outcome);
    }

    [Fact]
    public void A_risk_change_in_a_campaign_needs_Force_for_the_whole_campaign()
    {
        var before = Files;

        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_MAX_POSITION_SIZE", "100000")]);

        Assert.Equal(before, Files);
        var refusal = Assert.Single(_host.Errors);
        Assert.Equal(ErrorIds.RiskChangeNeedsForce, refusal.FullyQualifiedErrorId);
        Assert.Contains("RISK: BTC-USD MM_MAX_POSITION_SIZE x1000", refusal.Exception.Message, StringComparison.Ordinal);

        Run(force: true, rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_MAX_POSITION_SIZE", "100000")]);
        Assert.Contains("MM_MAX_POSITION_SIZE=100000", File.ReadAllText(EnvFile("btc")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_person_confirms_a_campaigns_risk_changes_by_retyping_the_markets_they_are_in()
    {
        _host.Approval = ApprovalMode.Prompted;
        _host.Typed = () => "ETH-USD BTC-USD";

        Run(rows: [Row("eth", "MM_MAX_POSITION_SIZE", "0"), Row("btc", "MM_MAX_POSITION_SIZE", "100000"), Row("sol", "MM_SKEW_MAX_BPS", "21")]);

        Assert.Contains("Type ETH-USD BTC-USD to confirm it", Assert.Single(_host.LinePrompts), StringComparison.Ordinal);
        Assert.Equal(["Prompted+Retyped"], _host.Ended.Select(r => r.Approval).Distinct());
        Assert.Contains("MM_MAX_POSITION_SIZE=0", File.ReadAllText(EnvFile("eth")), StringComparison.Ordinal);
    }

    [Fact]
    public void In_a_restricted_session_one_request_covers_the_campaign_and_its_ticket_applies_it_whole()
    {
        _host.LanguageMode = PSLanguageMode.ConstrainedLanguage;
        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22")]);
        var request = Assert.Single(_host.Approvals.List());
        _host.Approvals.Decide(request.Id, approve: true, "human");
        _host.Errors.Clear();

        Run(tickets: [request.Id], rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22")]);

        Assert.Empty(_host.Errors);
        Assert.Contains("MM_SKEW_MAX_BPS=22", File.ReadAllText(EnvFile("btc")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_given_twice_for_one_file_is_refused()
    {
        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("ETH-USD", "MM_SKEW_MAX_BPS", "22")]);

        Assert.Equal([ErrorIds.EnvCampaignDuplicateRow, ErrorIds.EnvCampaignNotApplied], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Contains("MM_SKEW_MAX_BPS=20", File.ReadAllText(EnvFile("eth")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_that_fails_midway_stops_and_names_the_rows_written_and_not()
    {
        Directory.CreateDirectory(EnvFile("btc") + ".lock");

        Run(rows: [Row("eth", "MM_SKEW_MAX_BPS", "21"), Row("btc", "MM_SKEW_MAX_BPS", "22"), Row("sol", "MM_SKEW_MAX_BPS", "23")]);

        Assert.Equal([ErrorIds.EnvWriteFailed, ErrorIds.EnvCampaignPartlyApplied], _host.Errors.Select(e => e.FullyQualifiedErrorId));
        Assert.Contains("Written (1): ETH-USD MM_SKEW_MAX_BPS. Not written (2): BTC-USD MM_SKEW_MAX_BPS, SOL-USD MM_SKEW_MAX_BPS.", _host.Errors[^1].Exception.Message, StringComparison.Ordinal);
        Assert.Contains("MM_SKEW_MAX_BPS=20", File.ReadAllText(EnvFile("sol")), StringComparison.Ordinal);
    }
}
