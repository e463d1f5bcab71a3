namespace MmOperator.Tests.Lifecycle;

public class LifecycleInterpreterTests
{
    private static readonly OperatorOptions Options = OperatorOptions.Defaults("/home/operator", null);
    private static readonly MarketEntry Eth = new("eth", "ETH-USD", "/home/operator/Code/MM/.env.eth");

    private static HostRunResult Run(MarketAction action, string stdout, int exit = 0, HostRunStatus status = HostRunStatus.Completed) =>
        new(MarketActions.Command(action, Options, Eth), status, exit, stdout, string.Empty, TimeSpan.Zero);

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(TestPaths.HostOutputFixtures, name + ".json"));

    [Theory]
    [InlineData(MarketAction.Start, "mmctl-start-started", ActionOutcome.Succeeded, "started (pid 8340)")]
    [InlineData(MarketAction.Start, "mmctl-start-already-running", ActionOutcome.NoChange, "already running (pid 8340)")]
    [InlineData(MarketAction.Stop, "mmctl-stop-stopped", ActionOutcome.Succeeded, "stopped (pid 8593)")]
    [InlineData(MarketAction.Stop, "mmctl-stop-not-running", ActionOutcome.NoChange, "not running (.env.eth)")]
    [InlineData(MarketAction.Restart, "mmctl-restart", ActionOutcome.Succeeded, "stopped (pid 8340), then started (pid 8593)")]
    public void The_contracts_answers(MarketAction action, string fixture, ActionOutcome outcome, string detail)
    {
        var meaning = LifecycleInterpreter.Interpret(action, Run(action, Fixture(fixture)));

        Assert.Equal((outcome, detail, null), (meaning.Outcome, meaning.Detail, meaning.ErrorId));
        Assert.NotNull(meaning.Output);
    }

    [Fact]
    public void A_missing_env_file_with_exit_0_is_a_failure_in_the_hosts_words()
    {
        var meaning = LifecycleInterpreter.Interpret(MarketAction.Start, Run(MarketAction.Start, Fixture("mmctl-start-missing-env")));

        Assert.Equal((ActionOutcome.Failed, ErrorIds.MarketActionFailed), (meaning.Outcome, meaning.ErrorId));
        Assert.Contains("Env file not found: /home/operator/Code/MM/.env.doge", meaning.Detail, StringComparison.Ordinal);
        Assert.Equal("error", meaning.Output!.Value.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"stop": {"status": "not_running", "env": ".env.eth"}, "start": {"status": "error", "error": "Env file not found: x"}}""", "was not running, but start said 'error': Env file not found: x")]
    [InlineData("""{"stop": {"status": "stopped", "pid": 1}, "start": {"status": "already_running", "pid": 2}}""", "stopped (pid 1), but start said 'already_running'")]
    public void A_restart_worked_only_if_its_start_half_started(string json, string detail)
    {
        var meaning = LifecycleInterpreter.Interpret(MarketAction.Restart, Run(MarketAction.Restart, json));

        Assert.Equal((ActionOutcome.Failed, detail, ErrorIds.MarketActionFailed), (meaning.Outcome, meaning.Detail, meaning.ErrorId));
    }

    [Theory]
    [InlineData("", 0, HostRunStatus.TimedOut, ErrorIds.HostCommandTimedOut)]
    [InlineData("Traceback", 0, HostRunStatus.Completed, ErrorIds.HostOutputInvalid)]
    [InlineData("", 2, HostRunStatus.Completed, ErrorIds.HostCommandFailed)]
    [InlineData("""{"status": "paused"}""", 0, HostRunStatus.Completed, ErrorIds.HostOutputInvalid)]
    [InlineData("""{"pid": 5}""", 0, HostRunStatus.Completed, ErrorIds.HostOutputInvalid)]
    public void Anything_else_is_a_failure_never_a_success(string stdout, int exit, HostRunStatus status, string id)
    {
        var meaning = LifecycleInterpreter.Interpret(MarketAction.Stop, Run(MarketAction.Stop, stdout, exit, status));

        Assert.Equal((ActionOutcome.Failed, id), (meaning.Outcome, meaning.ErrorId));
    }
}
