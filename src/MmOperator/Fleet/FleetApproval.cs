using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using MmOperator.Flow;

namespace MmOperator.Fleet;

/// <summary>
/// A person's approval of a fleet's state change, as each host receives it: who approved (the local
/// user), at which console (the local machine, and its terminal), when, how (Prompted, or a script's
/// -Confirm:$false), and the hash of the plan this host showed. The host journals its actions with it
/// as their approval ("Fleet alice@ws1 plan sha256:..."), and runs them only if its plan is unchanged.
/// </summary>
public sealed partial record FleetApproval(string User, string Console, DateTime Time, string Mode, string PlanHash)
{
    [GeneratedRegex(@"^[A-Za-z0-9_.@:/+-]{1,128}$")]
    private static partial Regex Word();

    [GeneratedRegex(@"^[0-9a-f]{64}$")]
    private static partial Regex Sha256();

    /// <summary>As the journal records it, the plan's hash among its words.</summary>
    public override string ToString() =>
        $"Fleet {User}@{Console} plan sha256:{PlanHash} ({Mode} at {Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}Z)";

    /// <summary>What the local side sends: a hashtable crosses remoting as itself.</summary>
    public Hashtable ToHashtable() => new()
    {
        [nameof(User)] = User,
        [nameof(Console)] = Console,
        [nameof(Time)] = Time.ToString("o", CultureInfo.InvariantCulture),
        [nameof(Mode)] = Mode,
        [nameof(PlanHash)] = PlanHash,
    };

    /// <summary>The approval a host received, every field checked (nothing else reaches its journal).</summary>
    public static FleetApproval Parse(Hashtable received)
    {
        ArgumentNullException.ThrowIfNull(received);
        string Field(string name) => received[name] is { } value && Convert.ToString(value, CultureInfo.InvariantCulture) is { } text && (name == nameof(PlanHash) ? Sha256() : Word()).IsMatch(text)
            ? text
            : throw Refused($"its {name} is missing or malformed");
        var time = DateTime.TryParse(Field(nameof(Time)), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : throw Refused("its Time is not a time");
        return new FleetApproval(Field(nameof(User)), Field(nameof(Console)), time, Field(nameof(Mode)), Field(nameof(PlanHash)));
    }

    public static OperatorException Refused(string why) => new(
        ErrorIds.FleetApprovalRefused,
        ErrorCategory.PermissionDenied,
        $"-FleetApproval is refused: {why}. Nothing ran. It is how a fleet command (Stop-MmMarket -HostName ...) hands a person's approval to each host over PowerShell remoting; run that command from the person's own session instead.",
        null);
}

/// <summary>
/// Where a host's fleet state change gets its approval (the remote side of -HostName): with
/// -FleetPlanOnly it writes its <see cref="FleetPlan"/> and approves nothing (nothing is journalled, as
/// under -WhatIf); with -FleetApproval it approves every planned action with the person's approval,
/// once its plan's hash is the approved one, and otherwise refuses them all (FleetPlanChanged).
/// </summary>
public sealed class FleetApprovalSource
{
    private FleetApprovalSource(FleetApproval? approval) => Approval = approval;

    /// <summary>Null: only the plan is wanted.</summary>
    public FleetApproval? Approval { get; }

    public bool PlanOnly => Approval is null;

    /// <summary>
    /// The source the parameters ask for, or null when they ask for none. -FleetApproval is refused
    /// outside a remote session of a person (a local one would approve without a prompt; the agent's
    /// restricted session must never approve itself), and when malformed.
    /// </summary>
    /// <param name="remoteSession">The command runs in a remoting session ($PSSenderInfo is set).</param>
    public static FleetApprovalSource? From(FleetChangeParameters given, bool isRestricted, bool isAgent, bool remoteSession)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (given.FleetApproval is not { } received)
        {
            return given.FleetPlanOnly ? new FleetApprovalSource(null) : null;
        }

        if (isRestricted || isAgent)
        {
            throw FleetApproval.Refused("this is the agent's restricted session, which is never approved this way: its approval is a human's ticket (Approve-MmApprovalRequest)");
        }

        if (!remoteSession)
        {
            throw FleetApproval.Refused("this session is not a remote one, and here the approval is the prompt's");
        }

        return new FleetApprovalSource(FleetApproval.Parse(received));
    }

    /// <summary>
    /// The approval of the planned actions, or null when none is given: the plan written (plan only),
    /// or each action refused, with one error, when the plan changed since it was approved.
    /// </summary>
    public Approval? Approve(RunbookFlow flow, IReadOnlyList<ApprovedAction> planned)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Count == 0)
        {
            return null;
        }

        var plan = FleetPlan.Of(flow, planned);
        if (Approval is not { } approval)
        {
            flow.Context.WriteObject(plan, FleetPlan.TypeName);
            return null;
        }

        if (plan.PlanHash == approval.PlanHash)
        {
            return new Approval(approval.ToString(), $"{approval.User}@{approval.Console}", approval.Time);
        }

        var markets = string.Join(", ", planned.Select(p => p.Market.DisplayName));
        var changed = new OperatorException(ErrorIds.FleetPlanChanged, ErrorCategory.InvalidOperation, $"The approved plan (sha256:{approval.PlanHash}) is not this host's plan any more (now sha256:{plan.PlanHash}): a market's .env file or state changed between the plan and the run. Nothing ran on this host ({markets}). Look at it (Get-MmMarket), then run the command again for a new plan and approval.", markets);
        foreach (var action in planned.SkipLast(1))
        {
            // One error for the host: the last action's refusal says it.
            action.Attempt.Refuse(changed, reported: []);
        }

        planned[^1].Attempt.Refuse(changed);
        return null;
    }
}
