using System.Globalization;
using System.Management.Automation;
using MmOperator.EnvFiles;
using MmOperator.Errors;
using MmOperator.Host;
using MmOperator.Markets;
using MmOperator.Options;
using MmOperator.Security;

namespace MmOperator.Commands;

/// <summary>
/// What every operator cmdlet shares: one options snapshot per invocation, Ctrl+C that kills the
/// running host command, host runs that are shown with -Verbose/-Debug with secrets masked, and
/// refusals turned into error records with their stable ids.
/// </summary>
public abstract class OperatorCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private OperatorOptions? _options;
    private SecretMasker? _masker;
    private MarketCatalog? _catalog;
    private RepoEnvFiles? _envFiles;

    /// <summary>The options as they were when this command started.</summary>
    protected OperatorOptions Options => _options ??= LoadOptions();

    protected SecretMasker Masker => _masker ??= SecretMasker.ForFiles(EnvFiles);

    protected MarketCatalog Catalog => _catalog ??= MarketCatalog.Load(EnvFiles);

    /// <summary>The repo's .env* files, read once per command for both the catalog and the masker.</summary>
    private RepoEnvFiles EnvFiles => _envFiles ??= RepoEnvFiles.Read(Options.RepoPath);

    protected CancellationToken StopToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs one allow-listed command; the result's stdout and stderr are already masked. With a
    /// progress activity, shows the elapsed time while waiting (a graceful stop can take over 30 s).
    /// </summary>
    protected HostRunResult RunHost(HostCommand command, string? progressActivity = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        WriteVerbose($"Running: {Masker.Apply(command.CommandLine)}");
        var running = HostRunner.RunAsync(command, Options.Timeout, StopToken);
        if (progressActivity is not null)
        {
            ShowProgressUntilDone(running, progressActivity);
        }

        var run = running.GetAwaiter().GetResult();
        run = run with { StdOut = Masker.Apply(run.StdOut), StdErr = Masker.Apply(run.StdErr) };
        var exit = run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none";
        WriteVerbose($"Finished: {Masker.Apply(command.CommandLine)} ({run.Status}, exit {exit}, {run.Duration.TotalMilliseconds:0} ms)");
        WriteDebug($"stdout of {command.Shape}:{Environment.NewLine}{run.StdOut}");
        if (run.StdErr.Length > 0)
        {
            WriteDebug($"stderr of {command.Shape}:{Environment.NewLine}{run.StdErr}");
        }

        return run;
    }

    private void ShowProgressUntilDone(Task running, string activity)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ProgressRecord(Math.Abs(activity.GetHashCode(StringComparison.Ordinal)) % 100000, activity, "waiting for mmctl");
        while (!running.Wait(TimeSpan.FromMilliseconds(500)))
        {
            progress.StatusDescription = $"waiting for mmctl: {clock.Elapsed.TotalSeconds:0} s elapsed (timeout {Options.TimeoutSec} s)";
            WriteProgress(progress);
        }

        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    /// <summary>The catalog entry for a market, or null after writing the refusal as a non-terminating error.</summary>
    protected MarketEntry? ResolveOrWriteError(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        try
        {
            return Catalog.Resolve(market);
        }
        catch (OperatorException refusal)
        {
            WriteError(refusal.ToErrorRecord());
            return null;
        }
    }

    /// <summary>Stops the command for a broken precondition (configuration, missing host pieces).</summary>
    protected void Require(Action<OperatorOptions> precondition)
    {
        ArgumentNullException.ThrowIfNull(precondition);
        try
        {
            precondition(Options);
        }
        catch (OperatorException broken)
        {
            ThrowTerminatingError(broken.ToErrorRecord());
        }
    }

    /// <summary>A refusal whose message holds only text from the host and its files (never what the caller typed), masked.</summary>
    protected OperatorException MaskHostText(OperatorException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new OperatorException(refusal.ErrorId, refusal.Category, Masker.Apply(refusal.Message), refusal.Target, refusal.InnerException);
    }

    /// <summary>
    /// Writes text for the person at the host (a Plan, a "No change" note) the way Write-Host does: an
    /// information record tagged PSHOST, shown on the host and capturable in process with 6>&amp;1.
    /// </summary>
    protected void WriteHostText(string text) =>
        WriteInformation(new HostInformationMessage { Message = text }, ["PSHOST"]);

    /// <summary>Writes an object with its module type name, which selects its view and survives remoting.</summary>
    protected void WriteTyped(object value, string typeName)
    {
        var wrapped = PSObject.AsPSObject(value);
        wrapped.TypeNames.Insert(0, typeName);
        WriteObject(wrapped);
    }

    /// <summary>A restricted session has no file access; a -Path parameter would give it some.</summary>
    protected void RefusePathWhenRestricted(string? path)
    {
        if (path is not null && SessionState.LanguageMode != PSLanguageMode.FullLanguage)
        {
            ThrowTerminatingError(new OperatorException(ErrorIds.FullLanguageRequired, ErrorCategory.PermissionDenied, "-Path reads a file, which a restricted session may not do. Leave it out.", path).ToErrorRecord());
        }
    }

    /// <summary>A path as the user meant it: relative to the current PowerShell location, not the process folder.</summary>
    protected string ResolveUserPath(string path) =>
        OperatorOptions.FullPath(path.StartsWith('~') ? path : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));

    private OperatorOptions LoadOptions()
    {
        try
        {
            return OptionsStore.Current;
        }
        catch (OperatorException broken)
        {
            ThrowTerminatingError(broken.ToErrorRecord());
            throw;
        }
    }
}
