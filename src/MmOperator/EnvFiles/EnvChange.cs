using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.EnvFiles;

/// <summary>
/// The runbook's report of a .env edit (PSTypeName MmOperator.EnvChange): the key diff before -> after
/// and the new mmctl status. Its default view is the Result / New status block.
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

    /// <summary>Hidden from Export-Csv, which would write a list's type name: NewStatusText is the same facts as text.</summary>
    [System.Management.Automation.Hidden]
    public IReadOnlyList<MarketStatus>? NewStatus { get; init; }

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

    public string ResultText => RunbookText.Result(
        $"{System.IO.Path.GetFileName(File)} {Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}{(Changed ? string.Empty : " (unchanged)")}{(Note is null ? string.Empty : "\n- " + Note)}");

    public string NewStatusText => !Changed
        ? RunbookText.NewStatus("not refreshed: nothing changed")
        : NewStatus is null ? RunbookText.NewStatus(RunbookText.StatusFacts(null))
        : NewStatus.Count == 0 ? RunbookText.NewStatus("no instances running")
        : RunbookText.NewStatus(NewStatus.Select(RunbookText.StatusFacts));

    public override string ToString() => $"{Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}";
}
