using System.Collections.Concurrent;
using System.Globalization;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Flow;
using MmOperator.Reporting;

namespace MmOperator.Fleet;

/// <summary>
/// A state change on several hosts with one local approval. Each host plans it itself (its own
/// command lines and paths, and the hash of its plan); the person is asked once, here, with every
/// host's commands listed (Yes to all, No, or host by host); the approval is journalled here with
/// every host's plan hash; then each approved host runs its plan side by side, journalling the
/// person's approval as its own record of who approved it, and refusing a plan that changed since
/// (FleetPlanChanged). Its results come as they are reported, with one progress bar per host.
/// -WhatIf prints each host's Plan and runs nothing anywhere. Ctrl+C stops the waiting: each host
/// is asked to stop, and there, as on one host, what is under way finishes and is journalled.
/// </summary>
public sealed class FleetChange(RunbookFlow flow)
{
    private const int ProgressActivityId = 5300;

    private static readonly IReadOnlyList<PromptChoice> Choices =
    [
        new("&Yes to all", "Approve every host's plan and run them side by side."),
        new("&No", "Run nothing on any host (the default)."),
        new("&Per host", "Ask about each host's plan on its own, then run the approved ones side by side."),
    ];

    private IFlowContext Context => flow.Context;

    /// <param name="call">The command as each host runs it, without the fleet's own parameters.</param>
    /// <param name="action">The action, as the local journal names it (stop, start, restart, or the playbook's).</param>
    public void Run(IFleetConnector connector, FleetParameters given, FleetCall call, string action, string reason, Func<string, string> resolvePath)
    {
        ArgumentNullException.ThrowIfNull(connector);
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(call);
        var hosts = FleetRead.Connect(Context, connector, given, resolvePath);
        try
        {
            var plans = Plan(hosts, call, given.Timeout);
            if (plans.Count == 0)
            {
                Context.WriteWarning("No host has a plan to run (each host's errors say why). Nothing ran anywhere.");
                return;
            }

            var shown = Shown(plans);
            if (Context.IsWhatIf)
            {
                Context.WriteHostText(shown);
                return;
            }

            var approved = Ask(plans, shown, action, reason);
            if (approved.Count > 0 && Journal(approved, action, reason))
            {
                RunApproved(approved, call);
            }
        }
        finally
        {
            connector.Close();
        }
    }

    /// <summary>A host's plan, as it showed it.</summary>
    private sealed record HostPlan(FleetHost Host, IReadOnlyList<string> Commands, string Plan, string PlanHash, FleetApproval? Approval = null);

    /// <summary>Every host plans side by side (-FleetPlanOnly); a host's refusals and failures are its errors.</summary>
    private List<HostPlan> Plan(IReadOnlyList<FleetHost> hosts, FleetCall call, TimeSpan timeout)
    {
        var plans = new List<HostPlan>();
        var read = new FleetRead(Context);
        read.Run(hosts, call.With(nameof(FleetChangeParameters.FleetPlanOnly), true), timeout, (name, asked, answer) =>
        {
            read.WriteErrors(name, asked, answer);
            foreach (var plan in answer.Output.Where(o => o.Properties["PlanHash"]?.Value is string))
            {
                plans.Add(new HostPlan(
                    hosts.First(h => h.Name == name),
                    LanguagePrimitives.ConvertTo<string[]>(plan.Properties["Commands"].Value),
                    (string)plan.Properties["Plan"].Value,
                    (string)plan.Properties["PlanHash"].Value));
            }
        });
        return plans;
    }

    /// <summary>Every host's Plan under its name, as the question and -WhatIf show them.</summary>
    private static string Shown(IReadOnlyList<HostPlan> plans) => string.Join(
        "\n\n",
        plans.Select(p => $"On {VisibleText.Of(p.Host.Name)} (plan sha256:{p.PlanHash[..12]}):\n{p.Plan}"));

    /// <summary>
    /// One question for every host, or the script's -Confirm:$false. A session that cannot ask a person
    /// stops the command with ApprovalRequired. Each approved plan carries the approval its host receives.
    /// </summary>
    private List<HostPlan> Ask(List<HostPlan> plans, string shown, string action, string reason)
    {
        var mode = Context.DescribeApproval();
        var commands = plans.Sum(p => p.Commands.Count);
        var question = $"Approve: {action} on {plans.Count} host{(plans.Count == 1 ? string.Empty : "s")} ({commands} command{(commands == 1 ? string.Empty : "s")}: {string.Join("; ", plans.Select(p => $"{VisibleText.Of(p.Host.Name)}: {p.Commands.Count}"))})?";
        List<bool> answers;
        try
        {
            answers = mode == ApprovalMode.Prompted
                ? AskPerson(plans, $"{shown}\n\n{question}")
                : Enumerable.Repeat(Context.ShouldProcess(shown, $"{shown}\n\n{question}", RunbookFlow.ConfirmCaption), plans.Count).ToList();
        }
        catch (Exception noPrompt) when (RunbookFlow.IsUnaskable(noPrompt))
        {
            RunbookFlow.RefuseUnaskable(noPrompt, $"{action} on {plans.Count} hosts", plans.Select(p => flow.NewAttempt(action, p.Host.Name, reason)).ToList(), $"{action} on {plans.Count} hosts needs a person's approval and this session cannot ask for it ({noPrompt.Message}). Nothing ran anywhere. Run it at a terminal, or approve explicitly with -Confirm:$false in a script.");
            return [];
        }

        var declined = plans.Where((_, i) => !answers[i]).Select(p => p.Host.Name).ToList();
        if (declined.Count > 0)
        {
            flow.NewAttempt(action, string.Join(", ", declined), reason).Decline("fleet plans not approved at the prompt: nothing ran on these hosts", $"Not approved: {action} on {string.Join(", ", declined)}. Nothing ran there.");
        }

        var now = DateTime.UtcNow;
        return plans.Where((_, i) => answers[i]).Select(p => p with { Approval = new FleetApproval(Environment.UserName, Console, now, mode, p.PlanHash) }).ToList();
    }

    private List<bool> AskPerson(IReadOnlyList<HostPlan> plans, string query)
    {
        var choice = Context.Choose(RunbookFlow.ConfirmCaption, query, Choices, PromptChoice.No);
        if (choice != PromptChoice.PerMarket)
        {
            return Enumerable.Repeat(choice == 0, plans.Count).ToList();
        }

        return plans.Select((p, i) => Context.Choose(RunbookFlow.ConfirmCaption, $"{i + 1} of {plans.Count}: {VisibleText.Of(p.Host.Name)}: {string.Join("; ", p.Commands.Select(VisibleText.Of))}?", PromptChoice.YesNo, PromptChoice.No) == 0).ToList();
    }

    /// <summary>This console as each host records it: the machine, and its terminal when it has one (ws1:pts/3).</summary>
    private static string Console
    {
        get
        {
            var terminal = File.ResolveLinkTarget("/proc/self/fd/0", returnFinalTarget: false)?.FullName;
            return terminal is not null && terminal.StartsWith("/dev/", StringComparison.Ordinal) && !terminal.StartsWith("/dev/null", StringComparison.Ordinal)
                ? $"{Environment.MachineName}:{terminal["/dev/".Length..]}"
                : Environment.MachineName;
        }
    }

    /// <summary>
    /// The approval, journalled here before any host runs: one record naming every host's plan hash.
    /// Nothing runs when it cannot be written, except a stop (the safe direction), recorded in the system log with a warning.
    /// </summary>
    private bool Journal(IReadOnlyList<HostPlan> approved, string action, string reason)
    {
        var attempt = flow.NewAttempt(action, string.Join(", ", approved.Select(p => p.Host.Name)), reason);
        attempt.Approve(Approval.Given(approved[0].Approval!.Mode, flow.Approver));
        var detail = "fleet approval: " + string.Join("; ", approved.Select(p => $"{p.Host.Name} plan sha256:{p.PlanHash} ({p.Commands.Count} command{(p.Commands.Count == 1 ? string.Empty : "s")})"));
        return attempt.Intend(null, record => record.Detail = detail, orSystemLog: action == "stop");
    }

    /// <summary>The approved plans run side by side; results as they come, one progress bar per host; Ctrl+C asks each host to stop.</summary>
    private void RunApproved(IReadOnlyList<HostPlan> approved, FleetCall call)
    {
        using var events = new HostEvents();
        var runs = new IRemoteRun?[approved.Count];
        var reported = new int[approved.Count];
        var waits = new List<RegisteredWaitHandle>();
        var left = approved.Count;
        try
        {
            for (var i = 0; i < approved.Count; i++)
            {
                var index = i;
                if (FleetRead.Begin(approved[i].Host, call.With(nameof(FleetChangeParameters.FleetApproval), approved[i].Approval!.ToHashtable()), Context.WriteError) is not { } run)
                {
                    left--;
                    continue;
                }

                run.Output += (_, item) => events.Add(index, item);
                waits.Add(ThreadPool.RegisterWaitForSingleObject(run.Finished, (_, _) => events.Add(index, null), null, Timeout.Infinite, executeOnlyOnce: true));
                runs[i] = run;
                Context.WriteProgress(Bar(approved, index, "running its plan"));
            }

            while (left > 0)
            {
                var (index, item) = events.Take(Context.Stopping);
                var name = approved[index].Host.Name;
                switch (item)
                {
                    case PSObject result:
                        Context.WriteObject(FleetRead.Tag(result, name), FleetRead.FleetTypeName(result));
                        var bar = Bar(approved, index, $"{++reported[index]} of {approved[index].Commands.Count} done; last {result.Properties["Action"]?.Value} {result.Properties["Market"]?.Value}: {result.Properties["Outcome"]?.Value}");
                        bar.PercentComplete = Math.Min(100, reported[index] * 100 / Math.Max(1, approved[index].Commands.Count));
                        Context.WriteProgress(bar);
                        break;
                    default:
                        left--;
                        var done = Bar(approved, index, "done");
                        done.RecordType = ProgressRecordType.Completed;
                        Context.WriteProgress(done);
                        new FleetRead(Context).WriteErrors(name, call, runs[index]!.Answer() with { Output = [] });
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: each host stops as on one host (nothing more starts there, what is under way finishes and is journalled there).
            var started = runs.OfType<IRemoteRun>().ToList();
            started.ForEach(r => r.RequestStop());
            Context.WriteHostWarning($"Ctrl+C: each host was asked to stop: there, the actions under way finish and are journalled, and those not started never start. Waiting for the hosts to say they stopped; see each host's journal (Get-MmAuditLog) for how they ended.");
            if (started.Count > 0)
            {
                WaitHandle.WaitAll([.. started.Select(r => r.Finished)]);
            }
            throw new PipelineStoppedException();
        }
        finally
        {
            waits.ForEach(w => w.Unregister(null));
            foreach (var run in runs.OfType<IRemoteRun>())
            {
                run.Dispose();
            }
        }
    }

    /// <summary>
    /// What the hosts report, in the order it came (an object, a progress record, or null: the host is
    /// done), from the remoting's threads; nothing once disposed, as a host may still report as the command ends.
    /// </summary>
    private sealed class HostEvents : IDisposable
    {
        private readonly BlockingCollection<(int Host, object? Item)> _queue = [];
        private readonly object _lock = new();
        private bool _disposed;

        public void Add(int host, object? item)
        {
            lock (_lock)
            {
                if (!_disposed)
                {
                    _queue.Add((host, item));
                }
            }
        }

        public (int Host, object? Item) Take(CancellationToken stopping) => _queue.Take(stopping);

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
            }

            _queue.Dispose();
        }
    }

    private static ProgressRecord Bar(IReadOnlyList<HostPlan> approved, int index, string status) =>
        new(ProgressActivityId + index, string.Create(CultureInfo.InvariantCulture, $"{approved[index].Host.Name}: {approved[index].Commands.Count} command(s)"), status);
}
