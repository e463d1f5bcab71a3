using System.Management.Automation.Runspaces;

namespace MmOperator.Tests.ModuleChecks;

/// <summary>Approval as a person meets it: a real prompt per market, answered Yes or No.</summary>
[Collection(SessionOptionsGroup.Name)]
public sealed class ApprovalSessionTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly List<Runspace> _runspaces = [];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("MM_SANDBOX_FAULT", null);
        foreach (var runspace in _runspaces)
        {
            using var stop = PowerShell.Create();
            stop.Runspace = runspace;
            stop.AddScript("foreach ($m in 'eth', 'btc') { $null = & (Get-MmOperatorOption).MmctlPath stop $m --json }").Invoke();
            runspace.Dispose();
        }

        OptionsStore.Import();
        _dir.Dispose();
    }

    private PowerShell Session(ScriptedHost host)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(typeof(MmOperator.Commands.GetMmStatusCommand).Assembly.Location);
        var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        _runspaces.Add(runspace);
        var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript("New-MmSandbox -Path $args[0] -Market eth, btc | Set-MmOperatorOption").AddArgument(Path.Combine(_dir.Path, "host")).Invoke();
        shell.Commands.Clear();
        return shell;
    }

    private static string[] Invocations(PowerShell shell)
    {
        shell.Commands.Clear();
        var log = shell.AddScript("$p = Join-Path (Split-Path (Split-Path (Get-MmOperatorOption).MmctlPath)) 'sandbox/invocations.jsonl'; if (Test-Path $p) { Get-Content $p | ForEach-Object { ($_ | ConvertFrom-Json).argv -join ' ' } }").Invoke();
        shell.Commands.Clear();
        return log.Select(l => l.ToString()).ToArray();
    }

    [Fact]
    public void Several_markets_are_one_question_and_per_market_a_no_runs_nothing()
    {
        var host = new ScriptedHost("Per market", "Yes", "No");
        using var shell = Session(host);

        var results = shell.AddScript("Start-MmMarket eth, btc -Reason 'open for the session'").Invoke();

        var mmctl = Path.Combine(_dir.Path, "host", "bin", "mmctl");
        // The Plan first, listing each command line, the question last on its own line: the title asks nothing.
        Assert.Equal(
            [
                $"Confirm\nPlan:\n- Action(s):\n  1. {mmctl} start eth --json\n  2. {mmctl} start btc --json\n- Reason: open for the session\nNeed approval: YES\n\nApprove: start 2 markets (ETH-USD, BTC-USD)?",
                $"Confirm\n1 of 2: {mmctl} start eth --json?",
                $"Confirm\n2 of 2: {mmctl} start btc --json?",
            ],
            host.Prompts);
        var result = Assert.Single(results);
        Assert.Equal(("ETH-USD", "Succeeded", "Prompted"), ((string)result.Properties["Market"].Value, result.Properties["Outcome"].Value.ToString(), (string)result.Properties["Approval"].Value));
        Assert.DoesNotContain("start btc --json", Invocations(shell));

        var audit = shell.AddScript("Get-MmAuditLog").Invoke();
        // Every market is asked before any runs: the decline is journalled first, then the approved start's intent and end.
        Assert.Equal(["Declined", "Intended", "Succeeded"], audit.Select(a => a.Properties["Outcome"].Value.ToString()));
    }

    [Fact]
    public void WhatIf_prints_exactly_the_plan_and_does_nothing()
    {
        var host = new ScriptedHost();
        using var shell = Session(host);

        shell.AddScript("Stop-MmMarket ETH-USD -Reason 'SEV1 drill' -WhatIf").Invoke();

        var mmctl = Path.Combine(_dir.Path, "host", "bin", "mmctl");
        Assert.Equal([$"Plan:\n- Action(s): {mmctl} stop eth --json\n- Reason: SEV1 drill\nNeed approval: YES"], host.Lines);
        Assert.Empty(host.Prompts);
        Assert.Empty(Invocations(shell));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "host", "state", "mmoperator", "audit.jsonl")));
    }

    [Fact]
    public void Warren_auto_asks_with_its_plan_and_a_planned_proposal_the_script_then_skips_is_an_error()
    {
        var host = new ScriptedHost("Yes");
        using var shell = Session(host);
        var ids = shell.AddScript("""
            [pscustomobject]@{ Market = 'eth'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '1'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' },
            [pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '2'; Confidence = 'high'; EscalationTarget = 'warren'; Deadman = 'true' } |
                Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false | ForEach-Object ProposalIds
            """).Invoke().Select(id => id.ToString()).ToList();
        shell.Commands.Clear();
        var repo = (string)shell.AddScript("(Get-MmOperatorOption).RepoPath").Invoke().Single().BaseObject;
        shell.Commands.Clear();

        // While the Plan is read, someone else approves the first proposal by id.
        host.BeforeAnswer = () => File.AppendAllText(Path.Combine(repo, "data", "mm_audit", "advisor", "apply_receipts.jsonl"), $"{{\"proposal_id\": \"{ids[0]}\", \"result\": \"applied\"}}\n");
        var results = shell.AddScript("Invoke-MmAdvisorAutoApply -Reason 'deadman window'").Invoke();

        var error = Assert.Single(shell.Streams.Error);
        Assert.Equal("AutoApplyNotApplied,MmOperator.Commands.InvokeMmAdvisorAutoApplyCommand", error.FullyQualifiedErrorId);
        Assert.Contains($"{ids[0]} (ETH-USD MM_MIN_SPREAD_BPS: '0' -> '1') was in the approved plan", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal([ids[1]], results.Select(r => (string)r.Properties["ProposalId"].Value));
        Assert.Contains($"--mode warren-auto --approve --json (applies 2, in this order: {ids[0]}: ETH-USD MM_MIN_SPREAD_BPS: '0' -> '1' in .env.eth; {ids[1]}: BTC-USD", host.Prompts.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Approving_a_proposal_asks_with_a_plan_that_names_the_file_it_writes()
    {
        var host = new ScriptedHost("No");
        using var shell = Session(host);
        var id = shell.AddScript("[pscustomobject]@{ Market = 'eth'; Param = 'MM_MIN_SPREAD_BPS'; Proposed = '1' } | Submit-MmAdvisorProposal -Reason 'tune' -Confirm:$false | ForEach-Object ProposalIds").Invoke().Single().ToString();
        shell.Commands.Clear();

        shell.AddScript($"Approve-MmAdvisorProposal {id} -Reason 'reviewed'").Invoke();

        Assert.Contains($"--proposal-id {id} --approve --json (ETH-USD MM_MIN_SPREAD_BPS: '0' -> '1' in {Path.Combine(_dir.Path, "host", "Code", "MM", ".env.eth")})", host.Prompts.Single(), StringComparison.Ordinal);
        Assert.DoesNotContain(Invocations(shell), line => line.Contains("--approve", StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_stop_shows_progress_with_the_market_and_completes_it()
    {
        using var shell = Session(new ScriptedHost());
        shell.AddScript("$null = & (Get-MmOperatorOption).MmctlPath start eth --json").Invoke();
        shell.Commands.Clear();
        // The stop is held until its bar was drawn: a quick stop shows none.
        var release = Path.Combine(_dir.Path, "release-stop");
        Environment.SetEnvironmentVariable("MM_SANDBOX_FAULT", $"hold-stop:{release}");
        shell.Streams.Progress.DataAdded += (_, added) =>
        {
            if (shell.Streams.Progress[added.Index].StatusDescription.Contains("s elapsed", StringComparison.Ordinal))
            {
                File.WriteAllText(release, string.Empty);
            }
        };

        var result = shell.AddScript("Stop-MmMarket eth -Reason 'drill' -Confirm:$false").Invoke();

        Assert.Equal("Succeeded", Assert.Single(result).Properties["Outcome"].Value.ToString());
        var progress = shell.Streams.Progress.ToList();
        Assert.Contains(progress, p => p.Activity == "Stop ETH-USD" && p.StatusDescription.Contains("s elapsed", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
    }

    [Fact]
    public void Ctrl_C_during_a_batch_lets_the_stops_under_way_finish_and_says_so_on_the_hosts_UI()
    {
        var host = new ScriptedHost();
        using var shell = Session(host);
        shell.AddScript("$m = (Get-MmOperatorOption).MmctlPath; $null = & $m start eth --json; $null = & $m start btc --json").Invoke();
        shell.Commands.Clear();
        var log = Path.Combine(_dir.Path, "host", "sandbox", "invocations.jsonl");
        var journal = Path.Combine(_dir.Path, "host", "state", "mmoperator", "audit.jsonl");
        Environment.SetEnvironmentVariable("MM_SANDBOX_FAULT_ON", "stop");
        // Both stops are held before their SIGINT until Ctrl+C's notice is shown, as a slow host's would be.
        var release = Path.Combine(_dir.Path, "release-stops");
        Environment.SetEnvironmentVariable("MM_SANDBOX_FAULT", $"hold-stop:{release}");
        try
        {
            shell.AddScript("Stop-MmMarket eth, btc -Reason 'SEV1' -Confirm:$false").BeginInvoke();
            Assert.True(Poll.Until(() => File.ReadLines(log).Count(l => l.Contains("\"stop\"", StringComparison.Ordinal)) == 2, TimeSpan.FromSeconds(60)), "both stops should be running at once");

            var stopping = shell.BeginStop(null, null);
            Assert.True(Poll.Until(() => host.WarningLines.Count > 0, TimeSpan.FromSeconds(60)), "Ctrl+C's notice was never shown");
            File.WriteAllText(release, string.Empty);
            shell.EndStop(stopping);

            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
            var stops = File.ReadLines(journal).Where(l => l.Contains("\"action\":\"stop\"", StringComparison.Ordinal) && !l.Contains("\"outcome\":\"Intended\"", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, stops.Count);
            Assert.All(stops, record => Assert.Contains("\"outcome\":\"Succeeded\"", record, StringComparison.Ordinal));
            // The pipeline refuses output once it stops: the host's UI is where the person reads what happened.
            Assert.StartsWith("Ctrl+C: letting the stops of ", host.WarningLines[0], StringComparison.Ordinal);
            Assert.Equal(2, host.WarningLines.Count(w => w.Contains(": Succeeded: stopped (pid ", StringComparison.Ordinal)));
        }
        finally
        {
            File.WriteAllText(release, string.Empty);
            Environment.SetEnvironmentVariable("MM_SANDBOX_FAULT_ON", null);
        }
    }
}
