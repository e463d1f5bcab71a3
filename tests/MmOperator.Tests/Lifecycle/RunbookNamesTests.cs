using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using MmOperator.Runbook;

namespace MmOperator.Tests.Lifecycle;

/// <summary>The runbook's tables are the only lists of action and playbook names: validation, completion and the docs follow them.</summary>
public sealed partial class RunbookNamesTests
{
    public static TheoryData<string, string, string> DocumentedLists => new()
    {
        { "Invoke-MmAction", "Action", "actions" },
        { "Invoke-MmPlaybook", "Name", "playbooks" },
    };

    /// <summary>"a, b, c or d."</summary>
    [GeneratedRegex(", | or ")]
    private static partial Regex ListSeparator();

    private static IReadOnlyList<string> Table(string which) => which == "actions" ? new ActionNames().ValidValues : new PlaybookNames().ValidValues;

    [Theory]
    [MemberData(nameof(DocumentedLists))]
    public void The_docs_list_exactly_the_tables_names(string cmdlet, string parameter, string which)
    {
        var page = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "en-US", cmdlet + ".md"));
        // The parameter's first line is the list, after a colon when it has an introduction.
        var line = page.Split("### -" + parameter + "\n")[1].Split("\n")[0];
        var list = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().TrimEnd('.');

        Assert.Equal(Table(which), ListSeparator().Split(list));
    }

    [Theory]
    [InlineData("Invoke-MmAction -Action pause_quote -Reason x -WhatIf", "InvokeMmActionCommand")]
    [InlineData("Invoke-MmAction -Action 'stop;rm' -Reason x -WhatIf", "InvokeMmActionCommand")]
    [InlineData("Invoke-MmPlaybook -Name Sev2 -Reason x -WhatIf", "InvokeMmPlaybookCommand")]
    public void A_name_outside_the_table_is_refused_as_ValidateSet_would(string script, string command)
    {
        using var shell = Shell();
        shell.AddScript(script).Invoke();

        var error = Assert.Single(shell.Streams.Error);
        Assert.Equal($"ParameterArgumentValidationError,MmOperator.Commands.{command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
    }

    [Theory]
    [InlineData("Invoke-MmAction -Action ", "status")]
    [InlineData("Invoke-MmAction -Action p", "pause_quotes")]
    [InlineData("Invoke-MmPlaybook -Name r", "RecoveryAfterIncident")]
    [InlineData("Get-MmPlaybook -Name A", "AnalysisOnly")]
    public void Tab_completion_offers_the_tables_names(string line, string first)
    {
        using var shell = Shell();
        var completions = CommandCompletion.CompleteInput(line, line.Length, null, shell);

        Assert.Equal(first, completions.CompletionMatches[0].CompletionText);
    }

    private static PowerShell Shell()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(typeof(ActionNames).Assembly.Location);
        return PowerShell.Create(state);
    }
}
