using MmOperator.Approvals;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>
/// The read-only status steps of a state-changing command, read through its flow's <see cref="StatusQuery"/>:
/// Invoke-MmAction status, a playbook's status step, and the status reported after a change. No
/// approval; a reason is validated and only appears in a -WhatIf Plan.
/// </summary>
public sealed class StatusReports
{
    private readonly RunbookFlow _flow;

    public StatusReports(RunbookFlow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
    }

    private IFlowContext Context => _flow.Context;

    /// <summary>
    /// Status of every instance, or of each market, as MarketStatus objects. A market that does not
    /// resolve is an error; nothing was attempted, so nothing is journalled.
    /// </summary>
    public void ReportStatuses(IReadOnlyList<Market>? markets, string reason)
    {
        if (_flow.ValidReason(reason, "status", null) is not { } valid)
        {
            return;
        }

        foreach (var market in Targets(markets))
        {
            if (!PlannedOnly(market, valid))
            {
                Report(market);
            }
        }
    }

    /// <summary>Every instance (null) when no market is named, else each market that resolves.</summary>
    private IEnumerable<MarketEntry?> Targets(IReadOnlyList<Market>? markets)
    {
        if (markets is not { Count: > 0 })
        {
            return [null];
        }

        return markets.Select(m => RunbookFlow.TryResolve(Context.Catalog, m, refusal => Context.WriteError(refusal.ToErrorRecord()))).OfType<MarketEntry>();
    }

    private void Report(MarketEntry? market)
    {
        try
        {
            foreach (var status in _flow.Status.Read(market))
            {
                Context.WriteObject(status, MarketStatus.TypeName);
            }
        }
        catch (HostCommandException failure)
        {
            Context.WriteError(failure.ToErrorRecord());
        }
    }

    /// <summary>
    /// A playbook's status step as action results, so a run gives one kind of object: one per instance
    /// mmctl reports, or one saying it reports none.
    /// </summary>
    public void ReportAsResults(MarketEntry? market, string reason)
    {
        if (PlannedOnly(market, reason))
        {
            return;
        }

        var answer = _flow.Status.Ask(market);
        if (answer.Failure is { } failure)
        {
            var failed = Result(answer.Run, market?.DisplayName ?? "all", ActionOutcome.Failed, failure.Message, null, reason);
            Context.WriteObject(failed, ActionResult.TypeName);
            Context.WriteError(new ErrorRecord(failure, failure.ErrorId, failure.Category, failed));
            return;
        }

        if (answer.Instances.Count == 0)
        {
            Context.WriteObject(Result(answer.Run, "all", ActionOutcome.Succeeded, "mmctl lists no instance: no bot is running or has a pid file", null, reason), ActionResult.TypeName);
        }

        foreach (var status in answer.Instances)
        {
            Context.WriteObject(Result(answer.Run, status.Market, ActionOutcome.Succeeded, Reporting.RunbookText.StateFacts(status), status, reason), ActionResult.TypeName);
        }
    }

    /// <summary>The status of one market, or of every instance, after a change; null (after an error) when mmctl gave no usable answer.</summary>
    public IReadOnlyList<MarketStatus>? Refresh(MarketEntry? market)
    {
        try
        {
            return _flow.Status.Read(market);
        }
        catch (HostCommandException failure)
        {
            Context.WriteError(new ErrorRecord(failure, ErrorIds.StatusRefreshFailed, failure.Category, failure.Target));
            return null;
        }
    }

    /// <summary>Under -WhatIf a status step prints its Plan and runs nothing.</summary>
    private bool PlannedOnly(MarketEntry? market, string reason)
    {
        // A fleet's plan lists what needs approval; its status steps run with the approved plan.
        if (_flow.IsWhatIf && _flow.Fleet is null)
        {
            _flow.WritePlan(_flow.Status.Command(market).CommandLine, reason, needsApproval: false, Stakes.Of(market));
        }

        return _flow.IsWhatIf;
    }

    private static ActionResult Result(HostRunResult run, string market, ActionOutcome outcome, string detail, MarketStatus? status, string reason) => new()
    {
        Action = "status",
        Market = market,
        Command = run.Command.CommandLine,
        ExitCode = run.ExitCode,
        Outcome = outcome,
        Detail = detail,
        NewStatus = status,
        Reason = reason,
        Approval = ApprovalMode.NotRequired,
        DurationSec = Math.Round(run.Duration.TotalSeconds, 3),
    };
}
