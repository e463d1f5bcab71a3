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

    /// <summary>The mmctl action vocabulary Invoke-MmAction takes.</summary>
    public static readonly IReadOnlyList<Capability> Actions =
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

    /// <summary>Every action the runbook names: the mmctl vocabulary, .env edits and the four advisor command lines.</summary>
    public static readonly IReadOnlyList<Capability> All =
    [
        .. Actions,
        new("env_read", true, "Get-MmEnvParam", false, "read <repo>/.env and .env.<market>; protected values masked"),
        new("env_edit", true, "Set-MmEnvParam, Remove-MmEnvParam", true, "non-secret MM_* keys only; key diff and mmctl status after"),
        new("advisor_submit", true, "Submit-MmAdvisorProposal", true, "mm_advisor_submit.py --input-jsonl <path> --json"),
        new("advisor_list_pending", true, "Get-MmAdvisorProposal", true, "mm_advisor_apply.py --list-pending --json"),
        new("advisor_approve", true, "Approve-MmAdvisorProposal", true, "mm_advisor_apply.py --proposal-id <id> --approve --json; protected_key refused first"),
        new("advisor_warren_auto", true, "Invoke-MmAdvisorAutoApply", true, "mm_advisor_apply.py --mode warren-auto --approve --json; refused whole if any eligible proposal is protected"),
        new("env_history", true, "Get-MmEnvHistory", false, "every change of a key: the journal and the host's config_changelog.jsonl; secrets masked"),
        new("env_undo", true, "Undo-MmEnvParam", true, "puts back a key's value before a change, a campaign (-Batch) or a time, as an edit"),
    ];

    public static Capability? Find(string name) => Actions.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
