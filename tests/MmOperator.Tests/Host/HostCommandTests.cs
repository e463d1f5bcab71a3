using System.Reflection;

namespace MmOperator.Tests.Host;

public class HostCommandTests
{
    private static readonly OperatorOptions Options = OperatorOptions.Defaults("/home/flexouille", null);
    private static readonly MarketEntry Eth = new("eth", "ETH-USD", "/home/flexouille/Code/MM/.env.eth");

    public static TheoryData<HostCommand, string> Runbook => new()
    {
        { HostCommand.MmctlStatus(Options), "/home/flexouille/bin/mmctl status --json" },
        { HostCommand.MmctlStatus(Options, Eth), "/home/flexouille/bin/mmctl status eth --json" },
        { HostCommand.MmctlStart(Options, Eth), "/home/flexouille/bin/mmctl start eth --json" },
        { HostCommand.MmctlStop(Options, Eth), "/home/flexouille/bin/mmctl stop eth --json" },
        { HostCommand.MmctlRestart(Options, Eth), "/home/flexouille/bin/mmctl restart eth --json" },
        { HostCommand.AdvisorListPending(Options), "/home/flexouille/Code/MM/.venv/bin/python /home/flexouille/Code/MM/scripts/mm_advisor_apply.py --repo /home/flexouille/Code/MM --list-pending --json" },
        { HostCommand.AdvisorApprove(Options, Id("ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER")), "/home/flexouille/Code/MM/.venv/bin/python /home/flexouille/Code/MM/scripts/mm_advisor_apply.py --repo /home/flexouille/Code/MM --proposal-id ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER --approve --json" },
        { HostCommand.AdvisorWarrenAuto(Options), "/home/flexouille/Code/MM/.venv/bin/python /home/flexouille/Code/MM/scripts/mm_advisor_apply.py --repo /home/flexouille/Code/MM --mode warren-auto --approve --json" },
    };

    private static ProposalId Id(string text) => ProposalId.TryParse(text, out var id) ? id! : throw new ArgumentException(text);

    [Theory]
    [MemberData(nameof(Runbook))]
    public void Each_shape_is_exactly_a_runbook_whitelist_line(HostCommand command, string line)
    {
        Assert.Equal(line, command.CommandLine);
        Assert.Equal(line.Split(' '), command.Argv);
    }

    [Fact]
    public void The_submit_line_takes_only_an_existing_absolute_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            var command = HostCommand.AdvisorSubmit(Options, file);
            Assert.Equal(["/home/flexouille/Code/MM/.venv/bin/python", "/home/flexouille/Code/MM/scripts/mm_advisor_submit.py", "--repo", "/home/flexouille/Code/MM", "--input-jsonl", file, "--json"], command.Argv);
            Assert.Throws<ArgumentException>(() => HostCommand.AdvisorSubmit(Options, "relative.jsonl"));
            Assert.Throws<ArgumentException>(() => HostCommand.AdvisorSubmit(Options, file + ".missing"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void There_is_no_way_to_build_a_command_from_free_text()
    {
        Assert.Empty(typeof(HostCommand).GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        var factories = typeof(HostCommand).GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType == typeof(HostCommand));
        Assert.All(factories, f => Assert.DoesNotContain(f.GetParameters(), p => p.ParameterType == typeof(string) && p.Name != "inputJsonl"));
        // Besides the runbook's lines: the submit line (its file is a temporary one) and the system log's.
        Assert.Equal(Enum.GetValues<HostCommandShape>().Length, Runbook.Count + 2);
    }

    [Theory]
    [InlineData("ETH_USD-1795677214-manual-MM_SPREAD_MULTIPLIER", true)]
    [InlineData("NOPE-1", true)]
    [InlineData("--approve", false)]
    [InlineData("-x", false)]
    [InlineData("id with space", false)]
    [InlineData("id;rm", false)]
    [InlineData("id\n", false)]
    [InlineData("", false)]
    public void Proposal_ids_cannot_smuggle_options_or_text(string text, bool valid) =>
        Assert.Equal(valid, ProposalId.TryParse(text, out _));

    [Fact]
    public void Display_quotes_arguments_a_shell_would_split()
    {
        var options = Options with { MmctlPath = "/opt/my tools/mmctl" };

        Assert.Equal("'/opt/my tools/mmctl' status --json", HostCommand.MmctlStatus(options).CommandLine);
    }
}
