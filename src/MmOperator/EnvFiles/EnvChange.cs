using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.EnvFiles;

/// <summary>
/// The runbook's report of a .env edit (PSTypeName MmOperator.EnvChange): the key diff before -> after
/// and the new mmctl status. Its default view is the Result / New status block. Export-Csv shows one
/// line per field (<see cref="CsvField"/>): the multi-line and listed properties are hidden beside their one-line forms.
/// </summary>
public sealed class EnvChange
{
    public const string TypeName = "MmOperator.EnvChange";

    /// <summary>set or remove.</summary>
    public required string Action { get; init; }

    public required string File { get; init; }

    public string? Market { get; init; }

    public bool Shared { get; init; }

    public required string Key { get; init; }

    public string? PreviousValue { get; init; }

    public string? NewValue { get; init; }

    public bool Changed { get; init; }

    /// <summary>Hidden from Export-Csv, which would write a list's type name: NewStatusLine is the same facts as text.</summary>
    [Hidden]
    public IReadOnlyList<MarketStatus>? NewStatus { get; init; }

    /// <summary>The new status on one line, as the journal's record of the edit has it.</summary>
    public string? NewStatusLine => NewStatus is null ? null : string.Join("; ", NewStatus.Select(RunbookText.StatusFacts));

    /// <summary>
    /// When the bot sees the change, which it reads only at start: "on restart" while a bot of the file
    /// runs (every running one, for the shared .env), "at start" when none does; null when nothing changed
    /// or the status was not known.
    /// </summary>
    public string? TakesEffect { get; init; }

    /// <summary>Which running bots keep the old value until restarted, and the command that restarts each.</summary>
    public string? Note { get; init; }

    public required string Reason { get; init; }

    public string? Approval { get; init; }

    public string? AuditId { get; init; }

    /// <summary>The command run it belongs to, as its journal records say (the rows of one campaign share it).</summary>
    public string? Batch { get; init; }

    /// <summary>When the edit was reported, in UTC.</summary>
    [Hidden]
    public DateTime Time { get; init; } = DateTime.UtcNow;

    public string TimeUtc => CsvField.Time(Time);

    /// <summary>Who made the edit, as the journal records the user.</summary>
    public string User { get; init; } = Environment.UserName;

    /// <summary>The machine it was made on, as the journal records its host.</summary>
    public string HostName { get; init; } = Environment.MachineName;

    [Hidden]
    public string ResultText => RunbookText.Result(
        $"{System.IO.Path.GetFileName(File)} {Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}{(Changed ? string.Empty : " (unchanged)")}{(Note is null ? string.Empty : "\n- " + Note)}");

    [Hidden]
    public string NewStatusText => !Changed
        ? RunbookText.NewStatus("not refreshed: nothing changed")
        : NewStatus is null ? RunbookText.NewStatus(RunbookText.StatusFacts(null))
        : NewStatus.Count == 0 ? RunbookText.NewStatus("no instances running")
        : RunbookText.NewStatus(NewStatus.Select(RunbookText.StatusFacts));

    public override string ToString() => $"{Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}";
}
