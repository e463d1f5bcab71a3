namespace MmOperator.Tests.Host;

/// <summary>Every captured output of the real host, read the way the module reads it.</summary>
public class FixtureReaderTests
{
    private static readonly OperatorOptions Options = OperatorOptions.Defaults("/home/operator", null);
    private static readonly MarketEntry Eth = new("eth", "ETH-USD", "/home/operator/Code/MM/.env.eth");

    private static HostRunResult Fixture(string name, HostCommand command)
    {
        var dir = TestPaths.HostOutputFixtures;
        var stdout = File.ReadAllText(Path.Combine(dir, name + (name.EndsWith(".jsonl", StringComparison.Ordinal) ? string.Empty : ".json")));
        var exit = int.Parse(File.ReadAllText(Path.Combine(dir, name + ".exit")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var stderrPath = Path.Combine(dir, name + ".stderr");
        var stderr = File.Exists(stderrPath) ? File.ReadAllText(stderrPath) : string.Empty;
        return new HostRunResult(command, HostRunStatus.Completed, exit, stdout, stderr, TimeSpan.FromMilliseconds(5));
    }

    private static ProposalId Id(string text) => ProposalId.TryParse(text, out var id) ? id! : throw new ArgumentException(text);

    [Fact]
    public void Every_fixture_is_covered_by_a_test_here()
    {
        var names = Directory.GetFiles(TestPaths.HostOutputFixtures, "*.exit").Select(f => Path.GetFileNameWithoutExtension(f)).Order();
        var source = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "MmOperator.Tests", "Host", "FixtureReaderTests.cs"));

        Assert.All(names, name => Assert.Contains($"\"{name}\"", source, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mmctl-status-all", 1)]
    [InlineData("mmctl-status-all-empty", 0)]
    [InlineData("mmctl-status-all-after-stop", 0)]
    public void Status_reports_list_their_instances(string name, int count) =>
        Assert.Equal(count, HostResultReader.Read<MmctlStatusReport>(Fixture(name, HostCommand.MmctlStatus(Options))).Instances.Count);

    [Fact]
    public void Status_of_one_market_keeps_nulls_of_a_never_started_market()
    {
        var running = HostResultReader.Read<MmctlStatusReport>(Fixture("mmctl-status-one-running", HostCommand.MmctlStatus(Options, Eth))).Instances.Single();
        var unknown = HostResultReader.Read<MmctlStatusReport>(Fixture("mmctl-status-one-unknown", HostCommand.MmctlStatus(Options, Eth))).Instances.Single();

        Assert.Equal(("env_eth", "running", 8340, "ETH-USD"), (running.ControllerId, running.Status, running.Pid, running.Market));
        Assert.Equal(("env_btc", "stopped"), (unknown.ControllerId, unknown.Status));
        Assert.Null(unknown.Pid);
        Assert.Null(unknown.Market);
        Assert.Null(unknown.Env);
    }

    [Theory]
    [InlineData("mmctl-start-started", "started", 8340)]
    [InlineData("mmctl-start-already-running", "already_running", 8340)]
    public void Start_results(string name, string status, int pid)
    {
        var result = HostResultReader.Read<MmctlStartResult>(Fixture(name, HostCommand.MmctlStart(Options, Eth)));

        Assert.Equal((status, pid, "ETH-USD"), (result.Status, result.Pid!.Value, result.Market));
    }

    [Fact]
    public void A_missing_env_file_with_exit_0_is_a_reported_error_not_a_success()
    {
        var error = Assert.Throws<HostCommandException>(() => HostResultReader.Read<MmctlStartResult>(Fixture("mmctl-start-missing-env", HostCommand.MmctlStart(Options, Eth))));

        Assert.Equal(ErrorIds.HostReportedError, error.ErrorId);
        Assert.Contains("Env file not found: /home/operator/Code/MM/.env.doge", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, error.Failure!.ExitCode);
    }

    [Theory]
    [InlineData("mmctl-stop-stopped", "stopped")]
    [InlineData("mmctl-stop-not-running", "not_running")]
    public void Stop_results(string name, string status) =>
        Assert.Equal(status, HostResultReader.Read<MmctlStopResult>(Fixture(name, HostCommand.MmctlStop(Options, Eth))).Status);

    [Fact]
    public void Restart_has_both_halves()
    {
        var result = HostResultReader.Read<MmctlRestartResult>(Fixture("mmctl-restart", HostCommand.MmctlRestart(Options, Eth)));

        Assert.Equal(("stopped", "started", 8593), (result.Stop.Status, result.Start.Status, result.Start.Pid!.Value));
    }

    [Fact]
    public void An_unknown_sub_command_is_a_failed_command_with_its_stderr()
    {
        var error = Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(Fixture("mmctl-bad-subcommand", HostCommand.MmctlStatus(Options))));

        Assert.Equal(ErrorIds.HostCommandFailed, error.ErrorId);
        Assert.Equal(2, error.Failure!.ExitCode);
        Assert.Contains("invalid choice: 'pause_quotes'", error.Message, StringComparison.Ordinal);
        Assert.Contains("usage: mmctl", error.Failure.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Submit_ok_and_its_failures_with_exit_1_are_answers()
    {
        var ok = HostResultReader.Read<AdvisorSubmitResult>(Fixture("advisor-submit-ok", SubmitCommand()));
        var bounds = HostResultReader.Read<AdvisorSubmitResult>(Fixture("advisor-submit-out-of-bounds", SubmitCommand()));
        var protectedKey = HostResultReader.Read<AdvisorSubmitResult>(Fixture("advisor-submit-protected", SubmitCommand()));

        Assert.Equal(["ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER"], ok.ProposalIds);
        Assert.True(ok.Ok);
        Assert.False(bounds.Ok);
        Assert.Equal((1, "MM_NUM_PRICE_LEVELS above max bound (20.0)"), (bounds.Failures[0].Line, bounds.Failures[0].Error));
        Assert.Equal("param not whitelisted: MM_API_KEY", protectedKey.Failures.Single().Error);
    }

    [Fact]
    public void Listing_pending_proposals()
    {
        var list = HostResultReader.Read<AdvisorPendingList>(Fixture("advisor-apply-list-pending", HostCommand.AdvisorListPending(Options)));
        var empty = HostResultReader.Read<AdvisorPendingList>(Fixture("advisor-apply-list-pending-empty", HostCommand.AdvisorListPending(Options)));

        var proposal = new ProposalRecord(list.Results.Single()).ToProposal(MmOperator.Security.KeyRules.Runbook);
        Assert.Equal(("MM_SPREAD_MULTIPLIER", "1.5", "1.8", false, "high", "human", "passed"), (proposal.Param, proposal.PreviousValue, proposal.NewValue, proposal.Deadman, proposal.Confidence, proposal.EscalationTarget, proposal.GuardrailStatus));
        Assert.Equal(0, empty.Pending);
    }

    [Fact]
    public void Apply_results_and_their_reasons()
    {
        var approve = HostCommand.AdvisorApprove(Options, Id("ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER"));
        var applied = HostResultReader.Read<AdvisorApplyResult>(Fixture("advisor-apply-approve-applied", approve));
        var again = HostResultReader.Read<AdvisorApplyResult>(Fixture("advisor-apply-approve-again", approve));
        var unknown = HostResultReader.Read<AdvisorApplyResult>(Fixture("advisor-apply-approve-unknown-id", approve));
        var auto = HostResultReader.Read<AdvisorApplyResult>(Fixture("advisor-apply-warren-auto", HostCommand.AdvisorWarrenAuto(Options)));

        Assert.Equal(("applied", 64), (applied.Results.Single().Result, applied.Results[0].EnvAfterHash!.Length));
        Assert.Equal((0, "proposal_not_pending"), (again.Selected, again.Reason));
        Assert.Equal("proposal_id_not_found", unknown.Reason);
        Assert.Equal(("warren-auto", "warren_auto", 0), (auto.Mode, auto.AppliedBy, auto.Selected));
    }

    [Fact]
    public void A_proposals_row_carries_the_fields_the_listing_shows()
    {
        var row = File.ReadAllText(Path.Combine(TestPaths.HostOutputFixtures, "advisor-proposals-row.jsonl"));
        using var json = System.Text.Json.JsonDocument.Parse(row);
        var proposal = new ProposalRecord(json.RootElement).ToProposal(MmOperator.Security.KeyRules.Runbook);

        Assert.Equal(("ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER", "ETH-USD", "MM_SPREAD_MULTIPLIER", "1.5", "1.8"), (proposal.ProposalId, proposal.Market, proposal.Param, proposal.PreviousValue, proposal.NewValue));
    }

    private static HostCommand SubmitCommand() => HostCommand.AdvisorSubmit(Options, typeof(FixtureReaderTests).Assembly.Location);
}
