namespace MmOperator.Approvals;

public enum ApprovalState
{
    Pending,
    Approved,
    Denied,
    Used,
}

/// <summary>
/// A state change an agent asked for in a restricted session (PSTypeName MmOperator.ApprovalRequest).
/// It binds the exact Plan (command line or key diff, and reason) of one cmdlet: the re-run must
/// produce the same Plan to use it, once.
/// </summary>
public sealed class ApprovalRequest
{
    public const string TypeName = "MmOperator.ApprovalRequest";

    public string Id { get; set; } = string.Empty;

    public string Cmdlet { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    public string? Key { get; set; }

    public string Reason { get; set; } = string.Empty;

    /// <summary>The runbook Plan block the approval covers, with the exact command line(s).</summary>
    public string Plan { get; set; } = string.Empty;

    /// <summary>SHA-256 of the cmdlet name and the Plan.</summary>
    public string Binding { get; set; } = string.Empty;

    public string Requester { get; set; } = string.Empty;

    public DateTime RequestedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public ApprovalState State { get; set; }

    public string? DecidedBy { get; set; }

    public DateTime? DecidedAt { get; set; }

    public DateTime? UsedAt { get; set; }

    /// <summary>HMAC-SHA256 of everything above with the store's private key: a hand-made or edited request fails it.</summary>
    public string Mac { get; set; } = string.Empty;

    public bool IsExpired(DateTime now) => now >= ExpiresAt;
}
