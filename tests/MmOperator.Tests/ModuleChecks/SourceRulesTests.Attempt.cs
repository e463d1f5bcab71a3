using System.Text.RegularExpressions;

namespace MmOperator.Tests.ModuleChecks;

/// <summary>
/// Every refusal, decline and failure of a state change is journalled exactly once because the flows and
/// cmdlets end attempts only through <see cref="MmOperator.Flow.Attempt"/>: none builds a journal record
/// or writes an error by hand, except the few places named here, each with why.
/// </summary>
public partial class SourceRulesTests
{
    /// <summary>What ends an attempt by hand: a journal record built, an error written, the command or script stopped.</summary>
    [GeneratedRegex(@"\bnew\s+AuditRecord\b|\bWriteError\s*\(|\bThrow(?:Script)?TerminatingError\s*\(")]
    private static partial Regex EndsByHand();

    /// <summary>A member's first line in this code base's layout: four spaces in, modifiers and type, its name, then '('.</summary>
    [GeneratedRegex(@"^    (?:\[\w+\]\s*)?(?:[\w<>\[\]?,.]+\s+)+?(\w+)(?:<[^>]*>)?\s*\(")]
    private static partial Regex MemberStart();

    /// <summary>"File.cs" for a whole file, "File.cs:Member" for one member.</summary>
    private static readonly HashSet<string> AllowedByHand = new(StringComparer.Ordinal)
    {
        // The attempt itself, and the seam's declaration and PowerShell implementation.
        "Attempt.cs",
        "IFlowHost.cs",
        "CmdletHost.cs:WriteError",
        "CmdletHost.cs:ThrowTerminatingError",
        "CmdletHost.cs:ThrowScriptTerminatingError",

        // Settings and preconditions that stop a command before it attempts anything: the settings, mmctl
        // or the journal itself are what is broken, so there is nothing (or nowhere) to journal.
        "CmdletHost.cs:LoadOptions",
        "RunbookFlow.cs:Require",
        "RunbookFlow.cs:PrepareStateChange",
        "SetMmOperatorOptionCommand.cs",
        "NewMmSandboxCommand.cs",

        // The journal's own failure to take a record: said as an error, as it cannot be journalled.
        "RunbookFlow.cs:Record",

        // Reads, which attempt no change and journal nothing: status, logs, files, the journal, help.
        "CmdletHost.cs:ResolveOrWriteError",
        "CmdletHost.cs:RequireFullLanguage",
        "GetMmEnvParamCommand.cs",
        "GetMmHealthCommand.cs",
        "GetMmHelpTopicCommand.cs",
        "GetMmLogCommand.cs",
        "GetMmMarketCommand.cs",
        "GetMmStatusCommand.cs",
        "TestMmAuditLogCommand.cs",
        "WaitMmMarketCommand.cs",
        "WatchMmMarketCommand.cs",
        "StatusReports.cs:Targets",
        "StatusReports.cs:Report",
        "StatusReports.cs:ReportAsResults",
        "StatusReports.cs:Refresh",
        "AdvisorFlow.cs:ReadFilesUnlisted",
        "AdvisorFlow.cs:RunListing",
        "AdvisorFlow.cs:ReadFiles",

        // A market's status read after its action: the action's own ending follows through its attempt.
        "RunbookFlow.cs:Report",
    };

    private static IEnumerable<string> FlowAndCommandFiles() => SourceFiles()
        .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) is "Flow" or "Commands");

    /// <summary>Each place in <paramref name="lines"/> that ends an attempt by hand, as "File.cs:Member" (the member it is in).</summary>
    private static IEnumerable<string> EndingsByHand(string file, IEnumerable<string> lines)
    {
        var member = "(no member)";
        foreach (var line in lines)
        {
            if (MemberStart().Match(line) is { Success: true } start)
            {
                member = start.Groups[1].Value;
            }

            if (!line.TrimStart().StartsWith("//", StringComparison.Ordinal) && EndsByHand().IsMatch(line))
            {
                yield return $"{file}:{member}";
            }
        }
    }

    private static List<string> EndingsByHandInSource() => FlowAndCommandFiles()
        .SelectMany(f => EndingsByHand(Path.GetFileName(f), File.ReadLines(f)))
        .ToList();

    private static bool IsAllowed(string place) => AllowedByHand.Contains(place) || AllowedByHand.Contains(place.Split(':')[0]);

    [Fact]
    public void Flows_and_cmdlets_journal_and_write_an_attempts_ending_only_through_the_attempt()
    {
        var places = EndingsByHandInSource();

        Assert.NotEmpty(places);
        Assert.Equal([], places.Where(p => !IsAllowed(p)).Distinct().ToList());
    }

    [Fact]
    public void Every_place_allowed_to_end_by_hand_still_does()
    {
        var places = EndingsByHandInSource();

        Assert.Equal([], AllowedByHand.Where(allowed => !places.Any(p => p == allowed || p.Split(':')[0] == allowed)).ToList());
    }

    [Theory]
    [InlineData("        Host.WriteError(failure.ToErrorRecord());")]
    [InlineData("        _flow.Record(new AuditRecord { Action = _action, Outcome = AuditOutcome.Failed });")]
    [InlineData("            ThrowTerminatingError(refusal.ToErrorRecord());")]
    [InlineData("        _flow.Host.ThrowScriptTerminatingError(record);")]
    public void The_rule_would_catch_an_ending_written_by_hand(string line)
    {
        var method = new[] { "    private void Edit(EnvFileTarget target, EnvEditRequest request)", "    {", line, "    }" };

        Assert.Equal(["EnvEditFlow.cs:Edit"], EndingsByHand("EnvEditFlow.cs", method));
        Assert.False(IsAllowed("EnvEditFlow.cs:Edit"));
    }
}
