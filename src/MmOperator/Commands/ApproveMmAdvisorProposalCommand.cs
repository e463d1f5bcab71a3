using MmOperator.Advisor;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Applies pending advisor proposals by id with mm_advisor_apply.py --proposal-id &lt;id&gt; --approve, each after its own approval.</para>
/// Each id is looked up in the pending list first (part of the same operation; a full list is
/// completed from the host's files). In a restricted session the Plan is made from the host's files
/// and the listing runs only under the ticket, which covers it (shown in the Plan). A proposal that is protected or secret-like, that changes a key
/// only a human may change, or that would blank its key never reaches the apply command; an unknown
/// or no longer pending id is refused with the script's reason.
/// </summary>
[Cmdlet(VerbsLifecycle.Approve, "MmAdvisorProposal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ProposalApplication))]
public sealed class ApproveMmAdvisorProposalCommand : StateChangeCmdlet
{
    private readonly List<string> _ids = [];

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ProposalIdCompleter))]
    public string[] ProposalId { get; set; } = [];

    /// <summary>The second, explicit confirmation a risk change among the proposals needs (a limit changed 10x or more, to or from 0, a guard or breaker turned off).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool ForceGiven => Force;

    protected override void BeginProcessing() => Advisor.Prepare();

    protected override void ProcessRecord() => _ids.AddRange(ProposalId);

    protected override void EndProcessing() => Advisor.ApproveProposals(_ids, Reason);
}
