namespace MmOperator.Runbook;

/// <summary>One action the runbook names, and whether this host and module can do it (PSTypeName MmOperator.Capability).</summary>
public sealed record Capability(string Name, bool Supported, string? Cmdlet, bool NeedsApproval, string Note)
{
    public const string TypeName = "MmOperator.Capability";
}

/// <summary>The runbook's action vocabulary, supported or not; Invoke-MmAction and Get-MmCapability read it.</summary>
public static class Capabilities
{
    public const string Escalate = "Not implemented by mmctl on this host. Escalate to a human / operator tooling update; do not simulate it.";

    public static readonly IReadOnlyList<Capability> All =
    [
        new("status", true, "Get-MmStatus", false, "mmctl status [<market>] --json"),
        new("start", true, "Start-MmMarket", true, "mmctl start <market> --json"),
        new("stop", true, "Stop-MmMarket", true, "mmctl stop <market> --json; can take over 30 s"),
        new("restart", true, "Restart-MmMarket", true, "mmctl restart <market> --json; worked only if its start half says started"),
        new("pause_quotes", false, null, true, Escalate),
        new("resume_quotes", false, null, true, Escalate),
        new("cancel_all", false, null, true, Escalate),
        new("flatten", false, null, true, Escalate),
        new("set_param", false, null, true, Escalate),
    ];

    public static Capability? Find(string name) => All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
