namespace MmOperator.Approvals;

/// <summary>How a state change was approved, as recorded in the result and the journal.</summary>
public static class ApprovalMode
{
    /// <summary>A person answered the confirmation prompt.</summary>
    public const string Prompted = "Prompted";

    /// <summary>A script's explicit approval: -Confirm:$false.</summary>
    public const string ConfirmFalse = "ConfirmFalse";

    /// <summary>$ConfirmPreference = 'None' in the caller's scope.</summary>
    public const string ConfirmPreferenceNone = "ConfirmPreferenceNone";

    /// <summary>A human's approval request, approved in a normal session and used by the agent's restricted one: "Ticket apr-…".</summary>
    public const string Ticket = "Ticket";

    /// <summary>Reading status: the runbook asks no approval for it.</summary>
    public const string NotRequired = "NotRequired";

    /// <summary>Appended when a risk change was confirmed a second time by -Force (ConfirmFalse+Force).</summary>
    public const string WithForce = "+Force";

    /// <summary>Appended when a person retyped the market's name to confirm a risk change (Prompted+Retyped).</summary>
    public const string WithRetype = "+Retyped";

    /// <summary>Nothing was approved (refusals, declines).</summary>
    public const string None = "None";

    /// <summary>How ShouldProcess decided, given -Confirm as bound and the caller's $ConfirmPreference.</summary>
    public static string Describe(bool? confirmParameter, ConfirmImpact preference, ConfirmImpact impact) => confirmParameter switch
    {
        true => Prompted,
        false => ConfirmFalse,
        null => preference != ConfirmImpact.None && impact >= preference ? Prompted : ConfirmPreferenceNone,
    };
}
