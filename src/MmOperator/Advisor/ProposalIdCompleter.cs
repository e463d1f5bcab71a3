using System.Collections;
using System.Management.Automation.Language;
using MmOperator.EnvFiles;
using MmOperator.Options;
using MmOperator.Security;

namespace MmOperator.Advisor;

/// <summary>
/// Tab completion of Approve-MmAdvisorProposal -ProposalId from the pending proposals as the module
/// reads the host's advisor files (read only, by the apply script's rule). Not from
/// <c>mm_advisor_apply.py --list-pending</c>: the runbook puts that command under approval, which a
/// key press cannot give. The tooltip is the change, protected values masked.
/// </summary>
public sealed class ProposalIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var repo = OptionsStore.Current.RepoPath;
            return Complete(PendingProposals.Read(repo), KeyRules.Load(repo), wordToComplete ?? string.Empty)
                .Select(c => new CompletionResult(c.Text, c.Text, CompletionResultType.ParameterValue, c.ToolTip))
                .ToList();
        }
        catch (OperatorException)
        {
            // Unreadable options, policy or advisor files: nothing to offer; the command says why.
            return [];
        }
    }

    /// <summary>Pending ids starting with the word, newest first, with their change as the tooltip; an id the command would refuse is not offered.</summary>
    public static IEnumerable<(string Text, string ToolTip)> Complete(PendingProposals pending, Security.KeyRules keys, string word)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(word);
        word = word.Trim('\'', '"');
        return pending.Pending
            .Where(p => ProposalId.TryParse(p.Id, out _) && p.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(p => p.ToProposal(keys))
            .Select(p => (p.ProposalId, Reporting.VisibleText.Of(p.Change)))
            .ToList();
    }
}
