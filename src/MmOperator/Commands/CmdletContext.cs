using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using MmOperator.Approvals;
using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Flow;
using MmOperator.Host;
using MmOperator.Lifecycle;
using MmOperator.Options;
using MmOperator.Reporting;
using MmOperator.Security;
using MmOperator.Status;

namespace MmOperator.Commands;

/// <summary>
/// A running cmdlet as the flow sees it (<see cref="IFlowContext"/>): one options snapshot per invocation,
/// Ctrl+C that kills a running read and lets a market action under way finish, host runs shown with
/// -Verbose/-Debug (their output with secrets masked, a JSON answer field by field; a command line is built
/// from validated values and shown as the Plan shows it), and PowerShell's approval, output and error
/// streams. Every cmdlet base holds one.
/// </summary>
public sealed class CmdletContext : IFlowContext, IDisposable
{
    private readonly PSCmdlet _cmdlet;
    private readonly CancellationTokenSource _stopping = new();
    private OperatorOptions? _options;
    private SecretMasker? _masker;
    private MarketCatalog? _catalog;
    private RepoEnvFiles? _envFiles;
    private AuditJournal? _journal;
    private ProcessTruth? _truth;
    private IReadOnlyDictionary<string, string>? _hostEnvironment;

    public CmdletContext(PSCmdlet cmdlet)
    {
        ArgumentNullException.ThrowIfNull(cmdlet);
        _cmdlet = cmdlet;
        // Made on the pipeline thread, where the runspace is known: host commands may start on others.
        Caller = CallerIdentity.Current;
    }

    public CallerIdentity Caller { get; }

    /// <summary>Loaded on the pipeline thread, as it may warn: a market run loads it when made, before its thread starts.</summary>
    public OperatorOptions Options => _options ??= LoadOptions();

    // Read by the threads that run several markets at once too: each is made once, whoever asks first.
    public SecretMasker Masker => LazyInitializer.EnsureInitialized(ref _masker, () => SecretMasker.ForFiles(EnvFiles));

    public MarketCatalog Catalog => LazyInitializer.EnsureInitialized(ref _catalog, () => MarketCatalog.Load(EnvFiles));

    /// <summary>The repo's .env* files, read once per command for both the catalog and the masker.</summary>
    private RepoEnvFiles EnvFiles => LazyInitializer.EnsureInitialized(ref _envFiles, () => RepoEnvFiles.Read(Options.RepoPath));

    public AuditJournal Journal => _journal ??= new AuditJournal(Options.AuditLogPath);

    public ApprovalStore Approvals => new(Options.ApprovalStorePath);

    public ProcessTruth Truth => LazyInitializer.EnsureInitialized(ref _truth, () => new ProcessTruth(Catalog, ProcessTable.Current, new OrphanStore(Options.OrphanStorePath)));

    /// <summary>The status query of a read-only command: its runs shown with -Verbose, killed by Ctrl+C.</summary>
    public StatusQuery Status => new(Options, Truth, RunHost);

    public string CmdletName => _cmdlet.MyInvocation.MyCommand.Name;

    public PSLanguageMode LanguageMode => _cmdlet.SessionState.LanguageMode;

    public bool IsWhatIf => _cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
        ? ((SwitchParameter)bound).IsPresent
        : LanguagePrimitives.IsTrue(_cmdlet.GetVariableValue("WhatIfPreference"));

    public CancellationToken StopToken => _stopping.Token;

    CancellationToken IFlowContext.Stopping => StopToken;

    /// <summary>
    /// Called from the cmdlet's StopProcessing (Ctrl+C), once per command (PowerShell ignores a second
    /// Ctrl+C while the command stops): kills a running read, and tells the market actions that have
    /// not started never to start; those under way finish (<see cref="ParallelMarketRuns"/>).
    /// </summary>
    public void Stop() => _stopping.Cancel();

    /// <summary>
    /// When a state-changing command ends, from its Dispose: its refusals are journalled as one record,
    /// also after Ctrl+C (the agent's launcher ends a command with SIGINT).
    /// </summary>
    public static void EndCommand(RunbookFlow? flow)
    {
        try
        {
            flow?.RecordRefusals();
        }
        catch (Exception closed) when (closed is PipelineStoppedException or PSInvalidOperationException)
        {
            // A stopped pipeline takes no warning: the refusals' record was attempted, and its failure cannot be shown.
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// ShouldProcess, except that a person is asked by this module with No as the default answer:
    /// PowerShell's own prompt takes an empty line for Yes, and a piped newline must never start a bot.
    /// The texts were composed from escaped values; anything invisible still in them is escaped here,
    /// one of the two places a prompt is shown.
    /// </summary>
    public bool ShouldProcess(string plan, string query, string caption)
    {
        (plan, query, caption) = (VisibleText.Composed(plan), VisibleText.Composed(query), VisibleText.Composed(caption));
        return DescribeApproval() != ApprovalMode.Prompted
            ? _cmdlet.ShouldProcess(plan, query, caption)
            : Choose(caption, query, PromptChoice.YesNo, PromptChoice.No) == 0;
    }

    /// <summary>
    /// A question only a person may answer. The console host reads answers from its standard input: when
    /// that is a pipe or a file (<c>yes | pwsh -File stop.ps1</c>), an answer would be the pipe's, so
    /// nothing is read and the caller refuses with ApprovalRequired. Other hosts (an editor's, a remote
    /// session's) read from their own UI, never from this process's input. Input that ends before an
    /// answer is a HostException too.
    /// </summary>
    public int Choose(string caption, string query, IReadOnlyList<PromptChoice> choices, int defaultChoice)
    {
        ArgumentNullException.ThrowIfNull(choices);
        RequirePerson();

        var described = new System.Collections.ObjectModel.Collection<System.Management.Automation.Host.ChoiceDescription>(
            choices.Select(c => new System.Management.Automation.Host.ChoiceDescription(c.Label, c.Help)).ToList());
        try
        {
            return _cmdlet.Host.UI.PromptForChoice(VisibleText.Composed(caption), VisibleText.Composed(query), described, defaultChoice);
        }
        catch (NullReferenceException endOfInput)
        {
            // The console host reads a null line at the end of its input and fails on it.
            throw new System.Management.Automation.Host.HostException("the input ended before an answer was given", endOfInput);
        }
    }

    /// <summary>The console host's answers would come from a pipe or a file, not from a person.</summary>
    private void RequirePerson()
    {
        if (_cmdlet.Host.Name == ConsoleHostName && Console.IsInputRedirected)
        {
            throw new System.Management.Automation.Host.HostException("its input is redirected from a pipe or a file, so an answer would come from there, not from a person");
        }
    }

    /// <summary>A line only a person may type: refused as <see cref="Choose"/> refuses, for the same reasons.</summary>
    public string? ReadLine(string prompt)
    {
        RequirePerson();

        _cmdlet.Host.UI.Write(VisibleText.Composed(prompt));
        try
        {
            return _cmdlet.Host.UI.ReadLine();
        }
        catch (NullReferenceException endOfInput)
        {
            // As for PromptForChoice: the console host fails on the null line at the end of its input.
            throw new System.Management.Automation.Host.HostException("the input ended before an answer was given", endOfInput);
        }
    }

    /// <summary>pwsh's own host, the one that reads answers from the process's standard input.</summary>
    private const string ConsoleHostName = "ConsoleHost";

    public string DescribeApproval()
    {
        bool? confirm = _cmdlet.MyInvocation.BoundParameters.TryGetValue("Confirm", out var bound) ? ((SwitchParameter)bound).IsPresent : null;
        var preference = LanguagePrimitives.TryConvertTo<ConfirmImpact>(_cmdlet.GetVariableValue("ConfirmPreference"), out var value) ? value : ConfirmImpact.High;
        return ApprovalMode.Describe(confirm, preference, ConfirmImpact.High);
    }

    /// <summary>A read or a single step: Ctrl+C kills it (or, when it came first, never starts it).</summary>
    public HostRunResult RunHost(HostCommand command)
    {
        ReportStarting(command);
        var run = Start(command, StopToken).GetAwaiter().GetResult();
        ReportFinished(run);
        return run;
    }

    /// <summary>A market action's command: once started, Ctrl+C never kills it (only the timeout does).</summary>
    public Task<HostRunResult> StartHost(HostCommand command) => Start(command, CancellationToken.None);

    private Task<HostRunResult> Start(HostCommand command, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(command);
        var masker = Masker;
        return Masked(HostRunner.RunAsync(command, HostEnvironmentOfCommands, Options.Timeout, stop), masker);
    }

    /// <summary>The one environment of this command's host runs, from the options and the session's import, never from its variables.</summary>
    private IReadOnlyDictionary<string, string> HostEnvironmentOfCommands => LazyInitializer.EnsureInitialized(
        ref _hostEnvironment,
        () => HostEnvironment.Build(UserAccount.Current, Options.PassEnv, HostEnvironment.SandboxHooks(Options, Caller, Environment.GetEnvironmentVariables())));

    private static async Task<HostRunResult> Masked(Task<HostRunResult> running, SecretMasker masker)
    {
        var run = await running.ConfigureAwait(false);
        return run with { StdOut = masker.ApplyToOutput(run.StdOut), StdErr = masker.Apply(run.StdErr) };
    }

    public void ReportStarting(HostCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        _cmdlet.WriteVerbose($"Running: {command.CommandLine}");
    }

    public void ReportFinished(HostRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var command = run.Command;
        var exit = run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none";
        _cmdlet.WriteVerbose($"Finished: {command.CommandLine} ({run.Status}, exit {exit}, {run.Duration.TotalMilliseconds:0} ms)");
        _cmdlet.WriteDebug($"stdout of {command.Shape}:{Environment.NewLine}{run.StdOut}");
        if (run.StdErr.Length > 0)
        {
            _cmdlet.WriteDebug($"stderr of {command.Shape}:{Environment.NewLine}{run.StdErr}");
        }
    }

    public void WriteProgress(ProgressRecord record) => _cmdlet.WriteProgress(record);

    /// <summary>Often enough to look alive, seldom enough that a quick run shows no bar at all.</summary>
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);

    public IDisposable StartRedraws(Action redraw) => new Timer(_ => redraw(), null, RedrawInterval, RedrawInterval);

    public bool WaitForExit(int pid, TimeSpan window) => ProcessProbe.WaitForExit(pid, window, CancellationToken.None);

    public bool WaitForReaping(int pid, TimeSpan window) => ProcessProbe.WaitForReaping(pid, window, StopToken);

    public TimeSpan ProcessAge(int pid) => ProcessProbe.Age(pid);

    public void Pause(TimeSpan time) => Thread.Sleep(time);

    public void WriteObject(object value, string typeName)
    {
        var wrapped = PSObject.AsPSObject(value);
        wrapped.TypeNames.Insert(0, typeName);
        _cmdlet.WriteObject(wrapped);
    }

    public void WriteError(ErrorRecord record) => _cmdlet.WriteError(record);

    [DoesNotReturn]
    public void ThrowTerminatingError(ErrorRecord record)
    {
        _cmdlet.ThrowTerminatingError(record);
        throw new PipelineStoppedException(); // not reached: PowerShell's ThrowTerminatingError always throws
    }

    /// <summary>
    /// A cmdlet's own terminating error ends only its statement: the script goes on and pwsh -File exits
    /// 0. This is thrown as the throw statement throws, with the id and the command name an error of the
    /// cmdlet has (Id,MmOperator.Commands.XCommand).
    /// </summary>
    [DoesNotReturn]
    public void ThrowScriptTerminatingError(ErrorRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var error = new ErrorRecord(record.Exception, $"{record.FullyQualifiedErrorId},{_cmdlet.GetType().FullName}", record.CategoryInfo.Category, record.TargetObject);
        error.CategoryInfo.Activity = CmdletName;
        throw new RuntimeException(record.Exception.Message, record.Exception, error) { WasThrownFromThrowStatement = true };
    }

    /// <summary>
    /// As Write-Host does: an information record tagged PSHOST, shown on the host and capturable in
    /// process with 6>&amp;1.
    /// </summary>
    public void WriteHostText(string text) =>
        _cmdlet.WriteInformation(new HostInformationMessage { Message = text }, ["PSHOST"]);

    public void WriteVerbose(string text) => _cmdlet.WriteVerbose(text);

    public void WriteWarning(string text) => _cmdlet.WriteWarning(text);

    /// <summary>Straight to the host's UI: once the pipeline is stopping, its streams throw PipelineStoppedException.</summary>
    public void WriteHostWarning(string text)
    {
        try
        {
            _cmdlet.Host.UI.WriteWarningLine(text);
        }
        catch (System.Management.Automation.Host.HostException)
        {
            // A host without a UI (an in-process [powershell]) shows nothing; the journal has the outcome.
        }
    }

    /// <summary>Stops the command for a broken precondition (configuration, missing host pieces).</summary>
    public void Require(Action<OperatorOptions> precondition) => RunbookFlow.Require(this, precondition);

    /// <summary>
    /// For a read-only command: the catalog entry for a market, letter case aside (<see cref="MarketCatalog.ResolveLookup"/>),
    /// or null after writing the refusal as an error (read-only commands journal nothing).
    /// </summary>
    public MarketEntry? ResolveOrWriteError(Market market) =>
        RunbookFlow.TryResolve(Catalog, market, refusal => WriteError(refusal.ToErrorRecord()), lookup: true);

    /// <summary>A restricted session has no file access; a -Path parameter would give it some.</summary>
    public void RefusePathWhenRestricted(string? path)
    {
        if (path is not null)
        {
            RequireFullLanguage("-Path reads a file, which a restricted session may not do. Leave it out.", path);
        }
    }

    /// <summary>Stops a command that reads files for people, when the session is the agent's restricted one.</summary>
    public void RequireFullLanguage(string refusal, object? target)
    {
        if (LanguageMode != PSLanguageMode.FullLanguage)
        {
            ThrowTerminatingError(new OperatorException(ErrorIds.FullLanguageRequired, ErrorCategory.PermissionDenied, refusal, target).ToErrorRecord());
        }
    }

    /// <summary>A path as the user meant it: relative to the current PowerShell location, not the process folder.</summary>
    public string ResolveUserPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return OperatorOptions.FullPath(path.StartsWith('~') ? path : _cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
    }

    private OperatorOptions LoadOptions()
    {
        try
        {
            var options = OptionsStore.Current;
            // Import cannot write (nothing runs during it): the first command of the session says what the settings file lacked.
            foreach (var warning in OptionsStore.TakeNewImportWarnings())
            {
                _cmdlet.WriteWarning(warning);
            }

            return options;
        }
        catch (OperatorException broken)
        {
            ThrowTerminatingError(broken.ToErrorRecord());
            throw;
        }
    }
}
