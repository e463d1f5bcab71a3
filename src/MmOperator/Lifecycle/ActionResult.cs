using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Lifecycle;

/// <summary>
/// What one approved market action did (PSTypeName MmOperator.ActionResult). Its default view is the
/// runbook's Result / New status block; the text lives in properties so it survives remoting.
/// Export-Csv shows one line per field (<see cref="CsvField"/>): the multi-line and nested properties are hidden beside their one-line forms.
/// </summary>
public sealed class ActionResult
{
    public const string TypeName = "MmOperator.ActionResult";

    public required string Action { get; init; }

    public required string Market { get; init; }

    public required string Command { get; init; }

    public int? ExitCode { get; init; }

    public required ActionOutcome Outcome { get; init; }

    /// <summary>The host's own words.</summary>
    [Hidden]
    public required string Detail { get; init; }

    public string DetailLine => CsvField.OneLine(Detail)!;

    /// <summary>The parsed JSON answer (secrets masked).</summary>
    [Hidden]
    public object? Output { get; init; }

    /// <summary>The answer as compact JSON.</summary>
    public string? OutputJson { get; init; }

    public MarketStatus? NewStatus { get; init; }

    public required string Reason { get; init; }

    public required string Approval { get; init; }

    public string? AuditId { get; init; }

    /// <summary>The command run it belongs to, as its journal records say (the stops of one SEV1 share it).</summary>
    public string? Batch { get; init; }

    /// <summary>When the result was reported, in UTC.</summary>
    [Hidden]
    public DateTime Time { get; init; } = DateTime.UtcNow;

    public string TimeUtc => CsvField.Time(Time);

    /// <summary>How long mmctl took, in seconds (a number, for reports and Export-Csv).</summary>
    public double DurationSec { get; init; }

    [Hidden]
    public string ResultText => RunbookText.Result($"{Action} {Market}: {Detail} [{Outcome}]");

    [Hidden]
    public string NewStatusText => RunbookText.NewStatus(RunbookText.StatusFacts(NewStatus));

    public override string ToString() => $"{Action} {Market}: {Outcome}";
}
