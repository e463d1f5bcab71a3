using System.Collections;
using System.Management.Automation.Language;
using MmOperator.Options;

namespace MmOperator.Markets;

/// <summary>
/// Tab completion of the repo's markets. The form follows what was typed: <c>.env</c> completes file
/// names, a lower-case start completes slugs, anything else completes symbols.
/// </summary>
public sealed class MarketCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var catalog = MarketCatalog.Load(OptionsStore.Current.RepoPath);
        return Complete(catalog, wordToComplete ?? string.Empty)
            .Select(c => new CompletionResult(c.Text, c.Text, CompletionResultType.ParameterValue, c.ToolTip));
    }

    public static IEnumerable<(string Text, string ToolTip)> Complete(MarketCatalog catalog, string word)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(word);
        word = word.Trim('\'', '"');
        foreach (var market in catalog.Markets)
        {
            var tip = $"{market.DisplayName} ({market.EnvFileName})";
            var form = word.StartsWith('.') ? market.EnvFileName
                : word.Length > 0 && char.IsLower(word[0]) ? market.Slug
                : market.Symbol ?? market.Slug;
            if (form.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return (form, tip);
            }
        }
    }
}
