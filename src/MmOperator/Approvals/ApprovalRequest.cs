using System.Text;
using MmOperator.Reporting;

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
/// that same action to use it, once. Its fields are kept as given; a person sees them through
/// <see cref="Details"/>, where every one is escaped (<see cref="VisibleText"/>).
/// </summary>
public sealed class ApprovalRequest
{
    public const string TypeName = "MmOperator.ApprovalRequest";

    /// <summary>The length of an id: "apr-" and 12 hex digits.</summary>
    public const int IdLength = 16;

    public string Id { get; set; } = string.Empty;

    public string Cmdlet { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string Target { get; set; } = string.Empty;

    public string? Key { get; set; }

    /// <summary>Every value the caller gave, exactly as it will be used.</summary>
    public IReadOnlyList<string> Values { get; set; } = [];

    /// <summary>The exact allow-listed command line(s) it runs; none for a direct file edit.</summary>
    public IReadOnlyList<string> Commands { get; set; } = [];

    public string Reason { get; set; } = string.Empty;

    /// <summary>The runbook Plan block the approval covers, with the exact command line(s).</summary>
    public string Plan { get; set; } = string.Empty;

    /// <summary>
    /// What the person deciding must not miss, shown first: a risk change (RISK: MM_MAX_POSITION_SIZE x1000
    /// ('100' -> '100000')) and real money. Null when there is none (then it is not stored, as before).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Flags { get; set; }

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

    /// <summary>
    /// A request for exactly <paramref name="bound"/>: its fields as given, and their binding computed here
    /// from those same fields, so a request can never show one action and bind another.
    /// </summary>
    public static ApprovalRequest For(BoundAction bound, string requester, IReadOnlyList<string>? flags)
    {
        ArgumentNullException.ThrowIfNull(bound);
        return new ApprovalRequest
        {
            Cmdlet = bound.Cmdlet,
            Action = bound.Action,
            Target = bound.Target,
            Key = bound.Key,
            Values = bound.Values,
            Commands = bound.Commands,
            Reason = bound.Reason,
            Plan = bound.Plan,
            Flags = flags is { Count: > 0 } ? flags : null,
            Binding = bound.Binding(),
            Requester = requester,
        };
    }

    /// <summary>Who files requests from this process: user@host, the same for every session of that account.</summary>
    public static string CurrentOwner => $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>
    /// What a person decides on: the Plan first, then every field the ticket binds, then who asked,
    /// each escaped so that no field can hide text or forge a line. The prompt and the list show this.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Details
    {
        get
        {
            var text = new StringBuilder();
            foreach (var flag in Flags ?? [])
            {
                text.Append(VisibleText.Of(flag)).Append('\n');
            }

            text.Append(VisibleText.Composed(Plan)).Append("\nBound by the ticket:");
            void Field(string name, string? value) => text.Append("\n- ").Append(name).Append(": ").Append(value);
            Field("Cmdlet", VisibleText.Of(Cmdlet));
            Field("Action", VisibleText.Of(Action));
            Field("Target", VisibleText.Of(Target));
            Field("Key", Key is null ? "(none)" : VisibleText.Of(Key));
            foreach (var value in Values.DefaultIfEmpty())
            {
                Field("Value", value is null ? "(none)" : $"'{VisibleText.Of(value)}'");
            }

            foreach (var command in Commands.DefaultIfEmpty())
            {
                Field("Command", command is null ? "(none: a direct file edit)" : VisibleText.Of(command));
            }

            Field("Reason", VisibleText.Of(Reason));
            return text.Append("\nRequested by: ").Append(VisibleText.Of(Requester)).ToString();
        }
    }

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
