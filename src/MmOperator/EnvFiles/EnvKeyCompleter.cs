using System.Collections;
using System.Management.Automation.Language;
using MmOperator.Options;
using MmOperator.Security;

namespace MmOperator.EnvFiles;

/// <summary>
/// Tab completion of the MM_* keys of the file the command is about: the -Market already typed (its
/// first market), else the repo's shared .env. Values are never shown, not even in tooltips.
/// </summary>
public class EnvKeyCompleter : IArgumentCompleter
{
    /// <summary>Offer only the keys an edit accepts: protected, secret-like and human-only keys never.</summary>
    protected virtual bool EditableOnly => false;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var repo = OptionsStore.Current.RepoPath;
            var files = RepoEnvFiles.Read(repo);
            return Complete(files, MarketCatalog.Load(files), FirstMarket(fakeBoundParameters), KeyRules.Load(repo), EditableOnly, wordToComplete ?? string.Empty)
                .Select(c => new CompletionResult(c.Text, c.Text, CompletionResultType.ParameterValue, c.ToolTip))
                .ToList();
        }
        catch (OperatorException)
        {
            // Options or policy that cannot be read: nothing to offer, and the command will say why.
            return [];
        }
    }

    /// <summary>The keys of the market's file (or of .env without a market) starting with the word; none for a market the repo does not have.</summary>
    public static IEnumerable<(string Text, string ToolTip)> Complete(RepoEnvFiles files, MarketCatalog catalog, string? market, KeyRules keys, bool editableOnly, string word)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(word);
        word = word.Trim('\'', '"');
        string fileName;
        try
        {
            fileName = market is null ? ".env" : catalog.Resolve(Market.Parse(market)).EnvFileName;
        }
        catch (OperatorException)
        {
            return [];
        }

        return (files.Files.FirstOrDefault(f => f.Name == fileName)?.Entries ?? [])
            .Select(entry => entry.Key)
            .Distinct(StringComparer.Ordinal)
            .Where(key => key.StartsWith("MM_", StringComparison.Ordinal) && key.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Where(key => !editableOnly || keys.Verdict(key, allowNonMmKey: false) == KeyVerdict.Allowed)
            .Order(StringComparer.Ordinal)
            .Select(key => (key, $"{key} in {fileName}"))
            .ToList();
    }

    /// <summary>The first market typed before the key, in whatever shape the parser kept it (a word, a list, a Market).</summary>
    private static string? FirstMarket(IDictionary bound) =>
        bound["Market"] switch
        {
            null => null,
            string text => text,
            IEnumerable list => list.Cast<object?>().Select(Text).FirstOrDefault(),
            var single => Text(single),
        };

    private static string? Text(object? value) => (value as PSObject)?.BaseObject?.ToString() ?? value?.ToString();
}

/// <summary>The keys Set-MmEnvParam and Remove-MmEnvParam may change.</summary>
public sealed class EditableEnvKeyCompleter : EnvKeyCompleter
{
    protected override bool EditableOnly => true;
}
