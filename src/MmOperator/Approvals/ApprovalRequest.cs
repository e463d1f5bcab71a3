namespace MmOperator.Approvals;

[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum ApprovalState
{
    Pending,
    Approved,
    Denied,
    Used,
}

/// <summary>
/// A state change an agent asked for in a restricted session (PSTypeName MmOperator.ApprovalRequest).
/// It binds the exact, unmasked action of one cmdlet (<see cref="BoundAction"/>): the re-run must be
/// that same action to use it, once.
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

    /// <summary>SHA-256 of the <see cref="BoundAction"/>: cmdlet, action, target, key, values, command lines, reason and Plan.</summary>
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

    /// <summary>Who files requests from this process: user@host, the same for every session of that account.</summary>
    public static string CurrentOwner => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>The account that filed it (the requester without its process and language mode).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Owner => Requester.Split(' ')[0];

    public bool IsExpired(DateTime now) => now >= ExpiresAt;

    /// <summary>When it stopped being usable (used, denied or expired), or null while it still can be.</summary>
    public DateTime? FinishedAt(DateTime now) => State switch
    {
        ApprovalState.Used => UsedAt,
        ApprovalState.Denied => DecidedAt,
        _ => IsExpired(now) ? ExpiresAt : null,
    };
}
