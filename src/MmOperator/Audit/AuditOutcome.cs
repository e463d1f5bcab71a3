using MmOperator.Lifecycle;

namespace MmOperator.Audit;

/// <summary>How one journalled attempt ended. Written by name, so journals stay readable and their hashes stable.</summary>
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum AuditOutcome
{
    Succeeded,
    NoChange,
    Failed,
    Refused,
    Declined,
    PendingApproval,

    /// <summary>An approved action that never ran: Ctrl+C came before its turn.</summary>
    Cancelled,

    /// <summary>Written ahead, before an approved change starts; the records of how it ended name it as their Attempt.</summary>
    Intended,
}

public static class AuditOutcomes
{
    /// <summary>An action's outcome as the journal records it (the same name).</summary>
    public static AuditOutcome ToAudit(this ActionOutcome outcome) => outcome switch
    {
        ActionOutcome.Succeeded => AuditOutcome.Succeeded,
        ActionOutcome.NoChange => AuditOutcome.NoChange,
        ActionOutcome.Cancelled => AuditOutcome.Cancelled,
        _ => AuditOutcome.Failed,
    };
}
