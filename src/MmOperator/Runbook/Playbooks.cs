namespace MmOperator.Runbook;

/// <summary>One step of a playbook: a runbook action on the playbook's markets.</summary>
public sealed record PlaybookStep(string Action, bool NeedsApproval, string Description);

/// <summary>
/// A default safe playbook of the runbook (PSTypeName MmOperator.Playbook). Steps is hidden from
/// Export-Csv, which would write a list's type name; StepsText is the same steps as lines.
/// </summary>
public sealed record Playbook(string Name, string Title, string When, bool NeedsMarket, [property: System.Management.Automation.Hidden] IReadOnlyList<PlaybookStep> Steps)
{
    public const string TypeName = "MmOperator.Playbook";

    /// <summary>One line per step: "stop (approval: YES): Stop each affected market...".</summary>
    public string StepsText => string.Join("\n", Steps.Select(s => $"{s.Action} (approval: {(s.NeedsApproval ? "YES" : "NO")}): {s.Description}"));
}

public static class Playbooks
{
    public static readonly IReadOnlyList<Playbook> All =
    [
        new("Sev1SafetyBreach", "SEV1 safety breach on a market", "A market breaches a safety limit.", true,
            [new("stop", true, "Stop each affected market: one explicit stop command and one approval per market.")]),
        new("ProcessStuck", "Connectivity/process stuck but market should remain online", "The bot hangs or lost connectivity; the market should keep quoting.", true,
            [new("restart", true, "Restart each affected market, with approval.")]),
        new("RecoveryAfterIncident", "Recovery after incident", "After an incident, bringing markets back.", true,
            [new("status", false, "Show status first."), new("start", true, "Then start each market, only with explicit approval.")]),
        new("AnalysisOnly", "Analysis only", "Looking, not touching.", false,
            [new("status", false, "Run mmctl status --json and report.")]),
    ];

    public static Playbook? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
