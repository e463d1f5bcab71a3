using MmOperator.Runbook;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists the runbook's default safe playbooks and their steps.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmPlaybook")]
[OutputType(typeof(Playbook))]
public sealed class GetMmPlaybookCommand : OperatorCmdlet
{
    /// <summary>Playbook names to show; wildcards allowed. All by default.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PlaybookNameCompleter))]
    public string[]? Name { get; set; }

    protected override void EndProcessing()
    {
        var patterns = (Name ?? ["*"]).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        foreach (var playbook in Playbooks.All.Where(p => patterns.Any(w => w.IsMatch(p.Name))))
        {
            WriteTyped(playbook, Playbook.TypeName);
        }
    }
}
