using MmOperator.Approvals;

namespace MmOperator.Flow;

/// <summary>
/// How one attempt was approved, by whom and when. The journal keeps it as its Approval text, unchanged
/// from before this type (Prompted, ConfirmFalse, ConfirmPreferenceNone, "Ticket apr-…", with +Force or
/// +Retyped for a risk change's second confirmation), and the time as approved_at.
/// </summary>
/// <param name="Mode">How it was given (<see cref="ApprovalMode"/>).</param>
/// <param name="By">Who gave it: the person at the session, or the human who approved the ticket.</param>
/// <param name="At">When it was given (UTC): the answer, or the human's decision on the ticket.</param>
public sealed record Approval(string Mode, string? By, DateTime At)
{
    /// <summary>The ticket it was given with (a restricted session), or null.</summary>
    public string? Ticket { get; init; }

    /// <summary>A risk change's second confirmation (<see cref="ApprovalMode.WithForce"/>, <see cref="ApprovalMode.WithRetype"/>), or null.</summary>
    public string? Confirmation { get; init; }

    /// <summary>Given now, at this session.</summary>
    public static Approval Given(string mode, string? by) => new(mode, by, DateTime.UtcNow);

    /// <summary>A human's approved ticket, used now: approved when the human decided it.</summary>
    public static Approval OfTicket(ApprovalRequest ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return new Approval(ApprovalMode.Ticket, ticket.DecidedBy, ticket.DecidedAt ?? DateTime.UtcNow) { Ticket = ticket.Id };
    }

    /// <summary>A risk change confirmed a second time: the approval is complete only now.</summary>
    public Approval Confirmed(string how) => this with { Confirmation = how, At = DateTime.UtcNow };

    /// <summary>The journal's and the results' Approval text.</summary>
    public override string ToString() => (Ticket is { } id ? $"{ApprovalMode.Ticket} {id}" : Mode) + Confirmation;
}
