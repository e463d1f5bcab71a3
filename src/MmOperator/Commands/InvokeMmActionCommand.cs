using MmOperator.Flow;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Runbook;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Runs an action by its runbook name: status, start, stop, restart; the unsupported ones are refused.</para>
/// Supported actions behave exactly as their cmdlets. pause_quotes, resume_quotes, cancel_all,
/// flatten and set_param are not implemented by mmctl on this host: nothing is called, and the error
/// says to escalate.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MmAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ActionResult), typeof(MarketStatus))]
public sealed class InvokeMmActionCommand : StateChangeCmdlet
{
    private MarketAction? _action;

    /// <summary>The runbook's action name: any other is refused, and journalled, before anything is read or run.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(ActionNameCompleter))]
    public string Action { get; set; } = string.Empty;

    /// <summary>Markets in any accepted form; optional for status.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [MarketTransformation]
    [ArgumentCompleter(typeof(MarketCompleter))]
    public Market[]? Market { get; set; }

    /// <summary>How many markets' commands run at once, once every approval was asked (default 16).</summary>
    [Parameter]
    [ValidateRange(1, ParallelMarketRuns.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = ParallelMarketRuns.DefaultThrottleLimit;

    protected override void BeginProcessing()
    {
        var markets = Market is { Length: > 0 } ? string.Join(",", Market.Select(m => m.Input)) : null;
        if (new ActionNames().Refusal(Action) is { } unknown)
        {
            Flow.NewAttempt($"{unknown.Target}", markets, Reason).Refuse(unknown, Halt.Command);
        }

        var capability = Capabilities.Find(Action)!;
        if (!capability.Supported)
        {
            var refusal = new OperatorException(ErrorIds.UnsupportedAction, ErrorCategory.NotImplemented, $"'{capability.Name}' is unavailable: {capability.Note} Nothing was run.", capability.Name);
            Flow.NewAttempt(capability.Name, markets, Reason).Refuse(refusal, Halt.Command);
        }

        if (capability.Name == "status")
        {
            Flow.Require(HostPreconditions.RequireMmctl);
            return;
        }

        _action = Enum.Parse<MarketAction>(capability.Name, ignoreCase: true);
        Flow.PrepareStateChange(stopsOnly: _action == MarketAction.Stop);
    }

    protected override void ProcessRecord()
    {
        if (_action is not { } action)
        {
            new StatusReports(Flow).ReportStatuses(Market, Reason);
            return;
        }

        if (Market is not { Length: > 0 })
        {
            Flow.NewAttempt(action.Name(), null, Reason).Refuse(new OperatorException(ErrorIds.MarketRequired, ErrorCategory.InvalidArgument, $"'{Action}' needs -Market: which markets to {Action}. Nothing was run.", Action), Halt.Command);
            return;
        }

        Flow.Approve(action, Market, Reason);
    }

    protected override void EndProcessing() => Flow.RunApproved(ThrottleLimit);
}
