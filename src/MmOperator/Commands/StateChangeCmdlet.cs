using MmOperator.Fleet;
using MmOperator.Flow;
using MmOperator.Lifecycle;

namespace MmOperator.Commands;

/// <summary>
/// The parameters every ticketed state change shares, handed to its <see cref="RunbookFlow"/>: the
/// reason, and in a restricted session the human's approval tickets. The work is the flow's.
/// </summary>
public abstract class StateChangeCmdlet : PSCmdlet, IDisposable
{
    private RunbookFlow? _flow;
    private AdvisorFlow? _advisor;

    protected StateChangeCmdlet() => Context = new CmdletContext(this);

    /// <summary>In a restricted session: approval tickets a human approved for exactly this command (Approve-MmApprovalRequest).</summary>
    /// <remarks>Virtual, as <see cref="Reason"/>: a command whose read needs no approval takes both in one parameter set only.</remarks>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public virtual string[]? ApprovalId { get; set; }

    /// <summary>Why: shown in every Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public virtual string Reason { get; set; } = string.Empty;

    protected CmdletContext Context { get; }

    /// <summary>-Force, on the cmdlets that can make a risk change (advisor applies).</summary>
    protected virtual bool ForceGiven => false;

    /// <summary>Made once bound: the tickets are the command's, for all its records.</summary>
    protected RunbookFlow Flow => _flow ??= new RunbookFlow(Context, ApprovalId) { Force = ForceGiven, Fleet = _fleetSource };

    /// <summary>The market cmdlets' -HostName, -Session, -Fleet (their dynamic parameters), and what a host of a fleet command receives.</summary>
    protected FleetChangeParameters FleetGiven { get; } = new();

    /// <summary>On a host of a fleet command: where its approval comes from.</summary>
    private FleetApprovalSource? _fleetSource;

    /// <summary>
    /// BeginProcessing of a market cmdlet: a command for other hosts needs nothing here but a person's
    /// session; a host of a fleet command takes its approval source (refused in the agent's session, journalled);
    /// anything else prepares as on one host.
    /// </summary>
    protected void Prepare(bool stopsOnly = false)
    {
        if (FleetGiven.IsGiven)
        {
            Context.RequireFullLanguage("-HostName, -Session and -Fleet reach other hosts, which a restricted session may not do: the agent reaches each host through its own key. Leave them out.", null);
            return;
        }

        try
        {
            _fleetSource = FleetApprovalSource.From(FleetGiven, Context.LanguageMode != PSLanguageMode.FullLanguage, Context.Caller.IsAgent, SessionState.PSVariable.GetValue("PSSenderInfo") is not null);
        }
        catch (OperatorException refused)
        {
            Flow.NewAttempt(MyInvocation.MyCommand.Name, null, Reason).Refuse(refused, Halt.Command);
        }

        Flow.PrepareStateChange(stopsOnly);
    }

    /// <summary>ProcessRecord of a market cmdlet: each market planned here, or kept for the hosts given.</summary>
    protected void PlanMarkets(MarketAction action, IEnumerable<Market> markets)
    {
        if (!FleetGiven.Keep(markets))
        {
            Flow.Approve(action, markets, Reason);
        }
    }

    /// <summary>EndProcessing of a market cmdlet: the approved markets run here, or the command on the hosts given.</summary>
    protected void RunMarkets(MarketAction action, int throttleLimit)
    {
        if (!RanOnFleet(action.Name()))
        {
            Flow.RunApproved(throttleLimit);
        }
    }

    /// <summary>Runs the command on the hosts given, with one local approval (<see cref="FleetChange"/>); false on one host.</summary>
    /// <param name="action">The action as the local journal names it.</param>
    protected bool RanOnFleet(string action, params (string Name, object? Value)[] more)
    {
        if (!FleetGiven.IsGiven)
        {
            return false;
        }

        var throttle = MyInvocation.BoundParameters.TryGetValue("ThrottleLimit", out var limit) ? limit : null;
        var call = FleetCall.Of(MyInvocation.MyCommand.Name, [("Market", FleetGiven.MarketNames), ("Reason", Reason), ("ThrottleLimit", throttle), .. more]);
        new FleetChange(Flow).Run(new PsRemoting(), FleetGiven, call, action, Reason, Context.ResolveUserPath);
        return true;
    }

    /// <summary>The advisor commands' steps on <see cref="Flow"/>, for the four advisor cmdlets.</summary>
    protected AdvisorFlow Advisor => _advisor ??= new AdvisorFlow(Flow);

    protected override void StopProcessing() => Context.Stop();

    public void Dispose()
    {
        CmdletContext.EndCommand(_flow);
        Context.Dispose();
        GC.SuppressFinalize(this);
    }
}
