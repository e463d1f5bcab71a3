using MmOperator.Lifecycle;
using MmOperator.Runbook;

namespace MmOperator.Flow;

/// <summary>
/// A playbook carried out through the runbook's gate (<see cref="RunbookFlow"/>), step by step over all
/// markets, so a recovery shows every status before any start is asked; each step's approvals are all
/// asked before its actions run side by side. Every step reports <see cref="ActionResult"/> objects,
/// status steps too, so a run gives one kind of object.
/// </summary>
public static class PlaybookRun
{
    public static void Run(RunbookFlow flow, Playbook playbook, IReadOnlyList<Market> markets, string reason, int throttleLimit = ParallelMarketRuns.DefaultThrottleLimit)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(playbook);
        ArgumentNullException.ThrowIfNull(markets);
        var first = playbook.Steps[0].Action;
        if (flow.ValidReason(reason, first, null) is not { } valid)
        {
            return;
        }

        var entries = markets.Select(m => flow.Resolve(m, first, valid)).OfType<MarketEntry>().DistinctBy(m => m.Slug).ToList();
        var statuses = new StatusReports(flow);
        foreach (var step in playbook.Steps)
        {
            flow.Context.WriteVerbose($"Playbook {playbook.Name}: {step.Description}");
            if (step.Action == "status")
            {
                if (markets.Count == 0)
                {
                    statuses.ReportAsResults(null, valid);
                }

                entries.ForEach(m => statuses.ReportAsResults(m, valid));
                continue;
            }

            var action = Enum.Parse<MarketAction>(step.Action, ignoreCase: true);
            entries.ForEach(m => flow.Approve(action, m, valid));
            flow.RunApproved(throttleLimit);
        }
    }
}
