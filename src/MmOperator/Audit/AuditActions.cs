using MmOperator.Lifecycle;
using MmOperator.Runbook;

namespace MmOperator.Audit;

/// <summary>The action names journal records carry: the one list the flows write and Get-MmAuditLog -Action completes.</summary>
public static class AuditActions
{
    public const string EnvSet = "set";
    public const string EnvRemove = "remove";
    public const string AdvisorSubmit = "advisor_submit";
    public const string AdvisorList = "advisor_list";
    public const string AdvisorApprove = "advisor_approve";
    public const string AdvisorWarrenAuto = "advisor_warren_auto";
    public const string ApprovalGrant = "approval_grant";
    public const string ApprovalDeny = "approval_deny";

    public static readonly IReadOnlyList<string> All =
        [.. Enum.GetValues<MarketAction>().Select(a => a.Name()), EnvSet, EnvRemove, AdvisorSubmit, AdvisorList, AdvisorApprove, AdvisorWarrenAuto, ApprovalGrant, ApprovalDeny];
}

/// <summary>Tab completion of Get-MmAuditLog -Action.</summary>
public sealed class AuditActionCompleter : NameListCompleter
{
    protected override IEnumerable<string> Names => AuditActions.All;
}
