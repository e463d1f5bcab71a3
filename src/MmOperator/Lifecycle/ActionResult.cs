using MmOperator.Reporting;
using MmOperator.Status;

namespace MmOperator.Lifecycle;

/// <summary>
/// What one approved market action did (PSTypeName MmOperator.ActionResult). Its default view is the
/// runbook's Result / New status block; the text lives in properties so it survives remoting.
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
    public required string Detail { get; init; }

    /// <summary>The parsed JSON answer (secrets masked).</summary>
    public object? Output { get; init; }

    public MarketStatus? NewStatus { get; init; }

    public required string Reason { get; init; }

    public required string Approval { get; init; }

    public string? AuditId { get; init; }

    /// <summary>How long mmctl took, in seconds (a number, for reports and Export-Csv).</summary>
    public double DurationSec { get; init; }

    public string ResultText => RunbookText.Result($"{Action} {Market}: {Detail} [{Outcome}]");

    public string NewStatusText => RunbookText.NewStatus(RunbookText.StatusFacts(NewStatus));

    public override string ToString() => $"{Action} {Market}: {Outcome}";
}
