using System.Diagnostics.CodeAnalysis;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.Host;
using MmOperator.Options;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Flow;

/// <summary>
/// What <see cref="RunbookFlow"/> needs from PowerShell and the machine, and nothing more: a cmdlet
/// adapts itself to it, and a test fakes it without a runspace.
/// </summary>
public interface IFlowContext
{
    /// <summary>The options as they were when the command started.</summary>
    OperatorOptions Options { get; }

    SecretMasker Masker { get; }

    MarketCatalog Catalog { get; }

    AuditJournal Journal { get; }

    ApprovalStore Approvals { get; }

    /// <summary>The process table's corrections of mmctl (zombies, orphaned bots), which every status read applies (<see cref="StatusQuery"/>).</summary>
    ProcessTruth Truth { get; }

    /// <summary>The running cmdlet's name (Start-MmMarket), as the journal and tickets record it.</summary>
    string CmdletName { get; }

    /// <summary>Who runs the command, as the session's import read it (the launcher's values, sudo's invoking user).</summary>
    CallerIdentity Caller { get; }

    /// <summary>Not FullLanguage means the agent's restricted endpoint: approval only by a human's ticket.</summary>
    PSLanguageMode LanguageMode { get; }

    /// <summary>-WhatIf as bound, or $WhatIfPreference in the caller's scope.</summary>
    bool IsWhatIf { get; }

    /// <summary>
    /// ShouldProcess: true when approved. Throws PSInvalidOperationException or HostException when
    /// the session cannot ask (-NonInteractive).
    /// </summary>
    bool ShouldProcess(string plan, string query, string caption);

    /// <summary>
    /// Asks the person to type a line (a risk change's confirmation); null when the input ended. Throws
    /// PSInvalidOperationException or HostException when the session cannot ask.
    /// </summary>
    string? ReadLine(string prompt);

    /// <summary>
    /// Asks the person at the terminal to pick one of <paramref name="choices"/> (a label has an &amp;
    /// before its key); an empty line picks <paramref name="defaultChoice"/>. Throws
    /// PSInvalidOperationException or HostException when no person can answer (-NonInteractive, input
    /// redirected from a pipe or file, or ended).
    /// </summary>
    int Choose(string caption, string query, IReadOnlyList<PromptChoice> choices, int defaultChoice);

    /// <summary>How ShouldProcess approves (<see cref="ApprovalMode"/>): Prompted when it asks a person.</summary>
    string DescribeApproval();

    /// <summary>Runs one allow-listed command and shows it (-Verbose, -Debug); its stdout and stderr come back masked.</summary>
    HostRunResult RunHost(HostCommand command);

    /// <summary>
    /// Starts one market action's command from any thread, writing nothing (PowerShell's streams belong
    /// to the pipeline thread); its stdout and stderr come back masked. Ctrl+C never kills it: a killed
    /// mmctl can leave a bot half stopped, or started with no record. The timeout still does.
    /// </summary>
    Task<HostRunResult> StartHost(HostCommand command);

    /// <summary>Cancelled by Ctrl+C: a market action that has not started by then never starts.</summary>
    CancellationToken Stopping { get; }

    /// <summary>Shows a command about to run (-Verbose); on the pipeline thread.</summary>
    void ReportStarting(HostCommand command);

    /// <summary>Shows a finished run (-Verbose, and its output with -Debug); on the pipeline thread.</summary>
    void ReportFinished(HostRunResult run);

    void WriteProgress(ProgressRecord record);

    /// <summary>
    /// Calls <paramref name="redraw"/>, from any thread, each time the progress bars are due (every
    /// 250 ms in a session), until disposed: a clock the flow does not read itself, so a test decides
    /// when a redraw happens.
    /// </summary>
    IDisposable StartRedraws(Action redraw);

    /// <summary>Watches a process for up to <paramref name="window"/>; true as soon as it is gone. Ctrl+C does not cut it short.</summary>
    bool WaitForExit(int pid, TimeSpan window);

    /// <summary>Waits up to <paramref name="window"/> for an exited process to be reaped; true as soon as it is.</summary>
    bool WaitForReaping(int pid, TimeSpan window);

    /// <summary>How long a process has lived; zero when unknown.</summary>
    TimeSpan ProcessAge(int pid);

    /// <summary>Waits, Ctrl+C or not: an action under way is checked before it is reported.</summary>
    void Pause(TimeSpan time);

    /// <summary>Writes a result with its module type name (selects its view, survives remoting).</summary>
    void WriteObject(object value, string typeName);

    void WriteError(ErrorRecord record);

    [DoesNotReturn]
    void ThrowTerminatingError(ErrorRecord record);

    /// <summary>
    /// Stops the command and the script that ran it, as PowerShell's throw does (a try/catch still
    /// catches it): a script refused approval goes no further, and pwsh -File exits 1.
    /// </summary>
    [DoesNotReturn]
    void ThrowScriptTerminatingError(ErrorRecord record);

    /// <summary>Text for the person at the host (a Plan, a "No change" note), as Write-Host shows it.</summary>
    void WriteHostText(string text);

    void WriteVerbose(string text);

    void WriteWarning(string text);

    /// <summary>A warning the person sees even after Ctrl+C, when the pipeline's streams refuse every write.</summary>
    void WriteHostWarning(string text);
}
