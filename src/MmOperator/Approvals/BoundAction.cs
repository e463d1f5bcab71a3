using System.Security.Cryptography;
using System.Text.Json;
using MmOperator.Security;

namespace MmOperator.Approvals;

/// <summary>
/// Exactly what one approval covers, unmasked: the cmdlet, the action, its target (market or file),
/// the key, every value the caller gave, the exact command line(s) and the reason, with the Plan shown
/// for it. A ticket binds all of it, so two actions that differ anywhere (even where a Plan would mask)
/// never share a ticket; and a value that would have to be masked to be shown is refused instead.
/// </summary>
public sealed record BoundAction
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Set by the approving cmdlet to its own name.</summary>
    public string Cmdlet { get; init; } = string.Empty;

    public required string Action { get; init; }

    /// <summary>The market or file (or the set of proposals) acted on.</summary>
    public required string Target { get; init; }

    public string? Key { get; init; }

    /// <summary>Every value the caller gave for the action, exactly as it will be used.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>The exact allow-listed command line(s) it runs; none for a direct file edit.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];

    public required string Reason { get; init; }

    /// <summary>The runbook Plan block shown for it.</summary>
    public required string Plan { get; init; }

    /// <summary>SHA-256 of every field above: what a ticket binds.</summary>
    public string Binding() => Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, Json))).ToLowerInvariant();

    /// <summary>The refusal for a value or reason that a Plan could only show masked (by the repo's key rule); null when all can be shown as typed.</summary>
    public OperatorException? Unshowable(KeyRules? keys = null) =>
        Values.Append(Reason).Any(text => SecretMasker.NeedsMasking(text, keys))
            ? new OperatorException(ErrorIds.SecretLikeValue, ErrorCategory.InvalidArgument, $"{Action} {Target}: a value holds a protected or secret-like KEY=value, which a plan could only show masked, so it cannot be approved. Nothing ran. Give the value without it; a secret is changed by a human on the host.", Target)
            : null;
}
