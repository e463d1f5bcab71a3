using System.Collections;
using System.Management.Automation.Language;
using System.Management.Automation;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Runbook;

/// <summary>
/// Accepts only a name of a runbook table (any case), the way ValidateSet would, but from the table
/// itself so no list is written twice. PowerShellStandard 5.1 has no IValidateSetValuesGenerator; a
/// ValidationMetadataException is what ValidateSet throws, so the refusal keeps its stable id
/// ParameterArgumentValidationError.
/// </summary>
public abstract class ValidateRunbookNameAttribute : ValidateEnumeratedArgumentsAttribute
{
    /// <summary>The accepted names, in the table's order.</summary>
    public abstract IReadOnlyList<string> ValidValues { get; }

    protected override void ValidateElement(object element)
    {
        // Shown as typed but printable and masked, like every refusal of caller input.
        var text = (element as PSObject)?.BaseObject as string ?? element as string;
        if (text is null || !ValidValues.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationMetadataException($"The argument \"{SecretMasker.HideAssignments(VisibleText.QuoteName(text ?? element?.ToString() ?? string.Empty, ValidValues.Max(v => v.Length)))}\" does not belong to the set \"{string.Join(",", ValidValues)}\". Supply an argument that is in the set and then try the command again.");
        }
    }
}

/// <summary>Tab completion of a fixed list of names, by their start in any case.</summary>
public abstract class NameListCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<string> Names { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return Names
            .Where(name => name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
    }
}

/// <summary>Tab completion of a runbook table's names, from the same list the validation uses.</summary>
public abstract class RunbookNameCompleter<TValidate> : NameListCompleter
    where TValidate : ValidateRunbookNameAttribute, new()
{
    protected override IEnumerable<string> Names => new TValidate().ValidValues;
}

/// <summary>An action of the runbook's mmctl vocabulary (<see cref="Capabilities.Actions"/>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateActionNameAttribute : ValidateRunbookNameAttribute
{
    public override IReadOnlyList<string> ValidValues { get; } = Capabilities.Actions.Select(c => c.Name).ToList();
}

public sealed class ActionNameCompleter : RunbookNameCompleter<ValidateActionNameAttribute>;

/// <summary>A playbook of the runbook (<see cref="Playbooks.All"/>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidatePlaybookNameAttribute : ValidateRunbookNameAttribute
{
    public override IReadOnlyList<string> ValidValues { get; } = Playbooks.All.Select(p => p.Name).ToList();
}

public sealed class PlaybookNameCompleter : RunbookNameCompleter<ValidatePlaybookNameAttribute>;
