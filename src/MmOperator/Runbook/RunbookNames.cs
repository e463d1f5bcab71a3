using System.Collections;
using System.Management.Automation.Language;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.Runbook;

/// <summary>
/// A runbook table's names (any case is accepted), written once: the cmdlet that takes one checks it
/// with <see cref="Refusal"/> (not at binding, so the refusal is journalled) and completes it from the
/// same list. PowerShellStandard 5.1 has no IValidateSetValuesGenerator.
/// </summary>
public abstract class RunbookNameTable
{
    /// <summary>ValidateSet's id for a value outside a parameter's set: the refusal keeps it.</summary>
    public const string ErrorId = "ParameterArgumentValidationError";

    /// <summary>The accepted names, in the table's order.</summary>
    public abstract IReadOnlyList<string> ValidValues { get; }

    /// <summary>
    /// Why <paramref name="text"/> is not one of the names, in ValidateSet's words, its target the name as
    /// shown (printable and masked, like every refusal of caller input); null when it is one.
    /// </summary>
    public OperatorException? Refusal(string? text)
    {
        if (text is not null && ValidValues.Contains(text, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var shown = SecretMasker.HideAssignments(VisibleText.QuoteName(text ?? string.Empty, ValidValues.Max(v => v.Length)));
        return new OperatorException(ErrorId, ErrorCategory.InvalidData, $"The argument \"{shown}\" does not belong to the set \"{string.Join(",", ValidValues)}\". Supply an argument that is in the set and then try the command again.", shown);
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

/// <summary>Tab completion of a runbook table's names, from the same list the check uses.</summary>
public abstract class RunbookNameCompleter<TTable> : NameListCompleter
    where TTable : RunbookNameTable, new()
{
    protected override IEnumerable<string> Names => new TTable().ValidValues;
}

/// <summary>An action of the runbook's mmctl vocabulary (<see cref="Capabilities.Actions"/>).</summary>
public sealed class ActionNames : RunbookNameTable
{
    public override IReadOnlyList<string> ValidValues { get; } = Capabilities.Actions.Select(c => c.Name).ToList();
}

public sealed class ActionNameCompleter : RunbookNameCompleter<ActionNames>;

/// <summary>A playbook of the runbook (<see cref="Playbooks.All"/>).</summary>
public sealed class PlaybookNames : RunbookNameTable
{
    public override IReadOnlyList<string> ValidValues { get; } = Playbooks.All.Select(p => p.Name).ToList();
}

public sealed class PlaybookNameCompleter : RunbookNameCompleter<PlaybookNames>;
