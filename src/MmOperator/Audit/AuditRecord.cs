using System.Text.Json.Serialization;

namespace MmOperator.Audit;

/// <summary>
/// One line of the audit journal: one state-changing attempt, refused, declined, failed or done; or,
/// written ahead of an approved change, what is about to run (Intended).
/// Property order is the line's field order: prev_hash first (so the chain can be checked without
/// parsing), hash last (over everything before it).
/// </summary>
public sealed class AuditRecord
{
    public const string TypeName = "MmOperator.AuditRecord";

    /// <summary>
    /// How much of a market, key or reason a record quotes: more than any valid one has, so only
    /// refused input is ever shortened, and then it says by how many characters.
    /// </summary>
    public const int QuotedLength = 1000;

    public string PrevHash { get; set; } = string.Empty;

    public string Id { get; set; } = string.Empty;

    /// <summary>On a record of how an approved change ended: the id of its Intended record, written before it started.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Attempt { get; set; }

    /// <summary>
    /// The command run that wrote the record: every record of one command (the four stops of one SEV1,
    /// the rows of one CSV campaign) shares it, so an incident or a campaign is found, and undone, as one.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Batch { get; set; }

    /// <summary>When the action ended (or, on an Intended record, when it was about to start), in UTC; hidden so Export-Csv shows <see cref="TimeUtc"/> instead of the culture's text without a zone.</summary>
    [Hidden]
    public DateTime Time { get; set; }

    /// <summary><see cref="Time"/> as ISO 8601 UTC, for reports (not stored).</summary>
    [JsonIgnore]
    public string TimeUtc => Reporting.CsvField.Time(Time);

    /// <summary>When it was approved (the answer, or the human's decision on the ticket); only on an approved attempt's records. Hidden from CSV as <see cref="Time"/> is.</summary>
    [Hidden]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? ApprovedAt { get; set; }

    /// <summary><see cref="ApprovedAt"/> as ISO 8601 UTC, for reports (not stored).</summary>
    [JsonIgnore]
    public string? ApprovedAtUtc => ApprovedAt is { } at ? Reporting.CsvField.Time(at) : null;

    public string User { get; set; } = string.Empty;

    [JsonPropertyName("host")]
    public string HostName { get; set; } = string.Empty;

    [JsonPropertyName("pid")]
    public int ProcessId { get; set; }

    public string LanguageMode { get; set; } = string.Empty;

    public string Cmdlet { get; set; } = string.Empty;

    public string Action { get; set; } = string.Empty;

    public string? Market { get; set; }

    public string? Key { get; set; }

    public string? Reason { get; set; }

    /// <summary>How the attempt was approved: Prompted, ConfirmFalse, ConfirmPreferenceNone, "Ticket &lt;id&gt;" (restricted session), or None.</summary>
    public string Approval { get; set; } = string.Empty;

    /// <summary>Who approved it: the person at the session, or the human who approved the ticket; only on an approved attempt's records.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ApprovedBy { get; set; }

    /// <summary>The exact argv, as the journal stores it; hidden so Export-Csv shows <see cref="CommandLine"/> instead of a list's type name.</summary>
    [Hidden]
    public IReadOnlyList<string>? Argv { get; set; }

    /// <summary>The argv as one shell-quoted line, for reports (not stored: the journal keeps the list).</summary>
    [JsonIgnore]
    public string? CommandLine => Argv is null ? null : Host.HostCommand.ToCommandLine(Argv);

    public int? ExitCode { get; set; }

    /// <summary>Intended, Succeeded, NoChange, Failed, Refused, Declined or PendingApproval, written by name.</summary>
    [JsonConverter(typeof(JsonStringEnumConverter<AuditOutcome>))]
    public AuditOutcome Outcome { get; set; }

    public string? ErrorId { get; set; }

    /// <summary>What happened, in the module's words; a plan it quotes keeps its lines, so Export-Csv shows <see cref="DetailLine"/>.</summary>
    [Hidden]
    public string? Detail { get; set; }

    /// <summary><see cref="Detail"/> on one line, for reports (not stored).</summary>
    [JsonIgnore]
    public string? DetailLine => Reporting.CsvField.OneLine(Detail);

    /// <summary>
    /// The host's JSON answer (secrets masked): a JsonElement in the journal, a PowerShell object when
    /// emitted; hidden so Export-Csv shows <see cref="ResultJson"/> instead of @{...}.
    /// </summary>
    [Hidden]
    public object? Result { get; set; }

    /// <summary><see cref="Result"/> as compact JSON, set when the journal is read (not stored: the journal keeps the answer itself).</summary>
    [JsonIgnore]
    public string? ResultJson { get; set; }

    /// <summary>The key's value before the change; "before" in the journal, whose shape and hashes stay as written.</summary>
    [JsonPropertyName("before")]
    public string? PreviousValue { get; set; }

    /// <summary>The key's value after the change; "after" in the journal.</summary>
    [JsonPropertyName("after")]
    public string? NewValue { get; set; }

    /// <summary>Key facts of mmctl status after the action, e.g. "ETH-USD Running pid 8340".</summary>
    public string? NewStatus { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hash { get; set; }

    /// <summary>The record's line number in the journal, when read back.</summary>
    [JsonIgnore]
    public int Line { get; set; }
}
