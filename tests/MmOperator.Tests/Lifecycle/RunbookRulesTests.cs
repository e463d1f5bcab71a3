using System.Reflection;
using MmOperator.Commands;
using MmOperator.Reporting;
using MmOperator.Runbook;

namespace MmOperator.Tests.Lifecycle;

public class RunbookRulesTests
{
    [Fact]
    public void The_plan_is_the_runbooks_block() =>
        Assert.Equal("Plan:\n- Action(s): /home/op/bin/mmctl stop eth --json\n- Reason: SEV1\nNeed approval: YES", RunbookText.Plan("/home/op/bin/mmctl stop eth --json", "SEV1", true));

    [Fact]
    public void Status_facts_name_state_pid_and_staleness()
    {
        var status = new MarketStatus { Market = "ETH-USD", Slug = "eth", State = MarketState.Crashed, Pid = 12, ControllerId = "env_eth", GeneratedAt = DateTime.UtcNow };

        Assert.Equal("ETH-USD: Crashed (pid 12), stale pid file", RunbookText.StatusFacts(status));
        Assert.StartsWith("unknown", RunbookText.StatusFacts(null), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("ok\nNeed approval: NO", "line breaks")]
    [InlineData("tab\there", "line breaks")]
    [InlineData("rtl \u202e hidden", "invisible")]
    [InlineData("zero\u200bwidth", "invisible")]
    public void A_reason_must_be_one_printable_line(string reason, string problem)
    {
        var error = Assert.Throws<OperatorException>(() => ReasonPolicy.Validate(reason));

        Assert.Equal(ErrorIds.InvalidReason, error.ErrorId);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api token=abc123 leaked, stopping", "token")]
    [InlineData("MM_API_KEY: s3cr3t in the log", "MM_API_KEY")]
    public void A_reason_with_a_secret_assignment_is_refused_with_a_rewording_that_keeps_the_key_and_drops_the_value(string reason, string key)
    {
        var error = Assert.Throws<OperatorException>(() => ReasonPolicy.Validate(reason));

        Assert.Equal(ErrorIds.InvalidReason, error.ErrorId);
        Assert.Contains($"without '=' or ':' and the value, for example '{key} rotated'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reason.Contains("abc123", StringComparison.Ordinal) ? "abc123" : "s3cr3t", error.Message, StringComparison.Ordinal);
        Assert.Equal($"{key} rotated", ReasonPolicy.Validate($"{key} rotated"));
    }

    [Fact]
    public void A_good_reason_is_trimmed() => Assert.Equal("SEV1: drawdown on ETH", ReasonPolicy.Validate("  SEV1: drawdown on ETH "));

    [Fact]
    public void An_over_long_reason_is_refused() => Assert.Throws<OperatorException>(() => ReasonPolicy.Validate(new string('x', ReasonPolicy.MaxLength + 1)));

    [Theory]
    [InlineData(true, ConfirmImpact.High, ApprovalMode.Prompted)]
    [InlineData(false, ConfirmImpact.High, ApprovalMode.ConfirmFalse)]
    [InlineData(null, ConfirmImpact.High, ApprovalMode.Prompted)]
    [InlineData(null, ConfirmImpact.Low, ApprovalMode.Prompted)]
    [InlineData(null, ConfirmImpact.None, ApprovalMode.ConfirmPreferenceNone)]
    public void How_an_approval_came_about(bool? confirm, ConfirmImpact preference, string mode) =>
        Assert.Equal(mode, ApprovalMode.Describe(confirm, preference, ConfirmImpact.High));

    [Fact]
    public void Invoke_MmAction_takes_exactly_the_runbooks_vocabulary()
    {
        Assert.Equal(Capabilities.Actions.Select(c => c.Name), new ActionNames().ValidValues);
        Assert.Equal(["pause_quotes", "resume_quotes", "cancel_all", "flatten", "set_param"], Capabilities.All.Where(c => !c.Supported).Select(c => c.Name));
    }

    [Fact]
    public void Invoke_MmPlaybook_takes_exactly_the_playbooks()
    {
        Assert.Equal(Playbooks.All.Select(p => p.Name), new PlaybookNames().ValidValues);
    }

    [Fact]
    public void Every_state_changing_cmdlet_asks_with_high_impact()
    {
        // A state change is a cmdlet that takes a -Reason for its Plan and journal record.
        var commands = typeof(StartMmMarketCommand).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(PSCmdlet)) && !t.IsAbstract && t.GetProperty("Reason") is not null).ToList();

        Assert.Equal(14, commands.Count);
        Assert.All(commands, t =>
        {
            var cmdlet = t.GetCustomAttribute<CmdletAttribute>()!;
            Assert.True(cmdlet.SupportsShouldProcess, t.Name);
            Assert.Equal(ConfirmImpact.High, cmdlet.ConfirmImpact);
        });
    }
}
