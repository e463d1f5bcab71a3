using MmOperator.EnvFiles;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Advisor;

/// <summary>
/// What no advisor proposal may do through the module, whatever the approval: change a protected or
/// secret-like key, change a key only a human may change (MM_ENVIRONMENT, MM_MARKET_NAME), blank a
/// key (the apply script writes <c>KEY=</c> for an empty proposed value), write a key or value a
/// direct edit would refuse, or write any file but its market's own. The apply script checks none of this
/// again: a row written straight into proposals.jsonl could otherwise carry a line break (a second
/// key), a value the bot cannot load, or an env_path naming another market's file or one outside the repo.
/// </summary>
public static class ProposalPolicy
{
    /// <summary>The refusal for a key only a human may change; <paramref name="subject"/> says who wants it, <paramref name="outcome"/> what was not done.</summary>
    public static OperatorException? HumanOnly(string key, string subject, string outcome, object target)
    {
        ArgumentNullException.ThrowIfNull(key);
        return KeyRules.IsHumanOnly(key)
            ? new OperatorException(
                ErrorIds.HumanOnlyKey,
                ErrorCategory.PermissionDenied,
                $"{subject} {VisibleText.QuoteName(key, KeyRules.MaxLength)}, which only a human may change ({EnvKeyPolicy.HumanOnlyWhy(key)}). {outcome} Hand the change to a human; no approval lets the module or the advisor make it.",
                target)
            : null;
    }

    /// <summary>
    /// A param and value an advisor may propose, checked as a direct edit checks them, with no
    /// -AllowNonMmKey (the advisor never has it): throws the edit's refusal.
    /// </summary>
    public static void CheckParam(string key, string value, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        EnvKeyPolicy.Check(key, allowNonMmKey: false, policy.Keys);
        EnvValuePolicy.Check(key, value, policy);
    }

    /// <summary>Why the apply script must not run this proposal, or null when it may.</summary>
    public static OperatorException? Refusal(AdvisorProposal proposal, RepoPolicy policy, MarketCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(catalog);
        var key = proposal.Param ?? string.Empty;
        var shown = VisibleText.QuoteName(key, KeyRules.MaxLength);
        if (policy.Keys.IsProtected(key))
        {
            return new OperatorException(ErrorIds.ProtectedKey, ErrorCategory.PermissionDenied, $"protected_key: proposal {VisibleText.Of(proposal.ProposalId)} would change {shown}, a protected or secret-like key. It is not applied; credentials changes go to a human.", proposal.ProposalId);
        }

        if (HumanOnly(key, $"Proposal {VisibleText.Of(proposal.ProposalId)} would change", "It is not applied.", proposal.ProposalId) is { } humanOnly)
        {
            return humanOnly;
        }

        if (proposal.NewValue is not { } value)
        {
            return null;
        }

        if (HostEnvReader.ParseLine($"{key}={value}") is { Value.Length: 0 })
        {
            return new OperatorException(ErrorIds.EmptyProposedValue, ErrorCategory.InvalidData, $"Proposal {VisibleText.Of(proposal.ProposalId)} proposes an empty value for {shown}: the apply script would write '{shown}=' and blank the key. It is not applied. To remove the key use Remove-MmEnvParam (with approval); to change it, submit a proposal with a proper value.", proposal.ProposalId);
        }

        try
        {
            CheckParam(key, value, policy);
        }
        catch (OperatorException refused)
        {
            return new OperatorException(refused.ErrorId, refused.Category, $"Proposal {VisibleText.Of(proposal.ProposalId)} is not applied: {refused.Message} Submit a proposal with a value the bot accepts.", proposal.ProposalId, refused);
        }

        return EnvFileRefusal(proposal, catalog);
    }

    /// <summary>The apply script writes whatever file the row's env_path names: it must be the market file of the row's market.</summary>
    private static OperatorException? EnvFileRefusal(AdvisorProposal proposal, MarketCatalog catalog)
    {
        MarketEntry? entry;
        try
        {
            entry = catalog.Resolve(MmOperator.Markets.Market.Parse(proposal.Market));
        }
        catch (OperatorException)
        {
            entry = null;
        }

        var path = proposal.EnvPath;
        if (entry is not null && path is not null && Path.IsPathFullyQualified(path) && Path.GetFullPath(path) == entry.EnvFilePath)
        {
            return null;
        }

        var market = VisibleText.Of(proposal.Market ?? string.Empty);
        var expected = entry is null ? $"'{market}' is no market of {catalog.RepoPath}" : $"the market file of {entry.DisplayName} is {entry.EnvFilePath}";
        return new OperatorException(
            ErrorIds.ProposalEnvFileRefused,
            ErrorCategory.PermissionDenied,
            $"Proposal {VisibleText.Of(proposal.ProposalId)} for '{market}' would be written to '{VisibleText.Of(path ?? "(no env_path)")}', but {expected}. It is not applied: the apply script writes whatever file a row names. Have a human look at how the row got into proposals.jsonl; proper proposals come from Submit-MmAdvisorProposal.",
            proposal.ProposalId);
    }
}
