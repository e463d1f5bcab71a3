using System.Management.Automation;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Markets;
using MmOperator.Security;

namespace MmOperator.Advisor;

/// <summary>
/// What no advisor proposal may do through the module, whatever the approval: change a protected or
/// secret-like key, change a key only a human may change (MM_ENVIRONMENT, MM_MARKET_NAME), blank a
/// key (the apply script writes <c>KEY=</c> for an empty proposed value), or write a value a direct
/// edit would refuse. The apply script checks none of the values again: a row written straight into
/// proposals.jsonl could otherwise carry a line break (a second key) or a value the bot cannot load.
/// </summary>
public static class ProposalPolicy
{
    /// <summary>The refusal for a key only a human may change; <paramref name="subject"/> says who wants it, <paramref name="outcome"/> what was not done.</summary>
    public static OperatorException? HumanOnly(string key, string subject, string outcome, object target)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyPolicy.IsHumanOnly(key)
            ? new OperatorException(
                ErrorIds.HumanOnlyKey,
                ErrorCategory.PermissionDenied,
                $"{subject} {MarketCatalog.Printable(key)}, which only a human may change ({EnvKeyPolicy.HumanOnlyWhy(key)}). {outcome} Hand the change to a human; no approval lets the module or the advisor make it.",
                target)
            : null;
    }

    /// <summary>Why the apply script must not run this proposal, or null when it may.</summary>
    public static OperatorException? Refusal(AdvisorProposal proposal, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentNullException.ThrowIfNull(policy);
        var key = proposal.Param ?? string.Empty;
        var shown = MarketCatalog.Printable(key);
        if (proposal.IsProtected)
        {
            return new OperatorException(ErrorIds.ProtectedKey, ErrorCategory.PermissionDenied, $"protected_key: proposal {proposal.ProposalId} would change {shown}, a protected or secret-like key. It is not applied; credentials changes go to a human.", proposal.ProposalId);
        }

        if (HumanOnly(key, $"Proposal {proposal.ProposalId} would change", "It is not applied.", proposal.ProposalId) is { } humanOnly)
        {
            return humanOnly;
        }

        if (proposal.Proposed is not { } value)
        {
            return null;
        }

        if (HostEnvReader.ParseLine($"{key}={value}") is { Value.Length: 0 })
        {
            return new OperatorException(ErrorIds.EmptyProposedValue, ErrorCategory.InvalidData, $"Proposal {proposal.ProposalId} proposes an empty value for {shown}: the apply script would write '{shown}=' and blank the key. It is not applied. To remove the key use Remove-MmEnvParam (with approval); to change it, submit a proposal with a proper value.", proposal.ProposalId);
        }

        try
        {
            EnvValuePolicy.Check(key, value, policy);
            return null;
        }
        catch (OperatorException refused)
        {
            return new OperatorException(refused.ErrorId, refused.Category, $"Proposal {proposal.ProposalId} is not applied: {refused.Message} Submit a proposal with a value the bot accepts.", proposal.ProposalId, refused);
        }
    }
}
