using MmOperator.Advisor;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists the pending advisor proposals from the host's files, read only; with -FromHost, from mm_advisor_apply.py --list-pending after approval.</para>
/// Reading the files runs nothing, as Get-MmHealth and tab completion do; the runbook puts every
/// mm_advisor_apply.py command under approval, the listing included, so running it takes -FromHost and a reason.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = FilesSet)]
[OutputType(typeof(AdvisorProposal))]
public sealed class GetMmAdvisorProposalCommand : StateChangeCmdlet
{
    private const string FilesSet = "Files";
    private const string FromHostSet = "FromHost";

    /// <summary>Runs the host's own listing (mm_advisor_apply.py --list-pending --json), after approval, journalled.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromHostSet)]
    public SwitchParameter FromHost { get; set; }

    /// <summary>Why the host's listing runs (-FromHost): shown in the Plan and kept in the audit journal.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = FromHostSet)]
    public override string Reason { get; set; } = string.Empty;

    /// <summary>In a restricted session, with -FromHost: the approval ticket for the listing.</summary>
    [Parameter(ParameterSetName = FromHostSet)]
    [ValidateNotNullOrEmpty]
    public override string[]? ApprovalId { get; set; }

    protected override void BeginProcessing()
    {
        if (FromHost)
        {
            Advisor.Prepare();
        }
    }

    protected override void EndProcessing()
    {
        if (FromHost)
        {
            Advisor.GetPending(Reason);
        }
        else
        {
            Advisor.ReadPending();
        }
    }
}
