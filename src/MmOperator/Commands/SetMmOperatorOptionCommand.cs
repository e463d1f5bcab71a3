using System.Globalization;
using MmOperator.Host;
using MmOperator.Options;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Changes the module's options for this session, and with -Save for the sessions to come.</para>
/// Accepts pipeline input by property name, so <c>New-MmSandbox | Set-MmOperatorOption</c> points the
/// session at a sandbox.
/// </summary>
[Cmdlet(VerbsCommon.Set, "MmOperatorOption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(OptionsView))]
public sealed class SetMmOperatorOptionCommand : OperatorCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? MmctlPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? RepoPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? PythonPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? AuditLogPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, OperatorOptions.MaxTimeoutSec)]
    public int? TimeoutSec { get; set; }

    /// <summary>How long an approval request of a restricted session stays usable, in seconds.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 24 * 3600)]
    public int? ApprovalLifetimeSec { get; set; }

    /// <summary>
    /// Variables every host command gets beside the module's own, name to value
    /// (@{ HTTPS_PROXY = 'http://proxy:3128' }): the whole set, so @{} passes none. Not from the
    /// pipeline: Get-MmOperatorOption shows only the names.
    /// </summary>
    [Parameter]
    public System.Collections.Hashtable? PassEnv { get; set; }

    /// <summary>The fleet: the hosts Get-MmMarket -Fleet (and every command's -Fleet) asks, each [user@]host[:port].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Fleet { get; set; }

    /// <summary>The SSH private key for the fleet's hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FleetKeyFilePath { get; set; }

    /// <summary>Write the resulting options.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Also write the options given here to the settings file, which the next import reads (below MMOPERATOR_* variables).</summary>
    [Parameter]
    public SwitchParameter Save { get; set; }

    /// <summary>Surfaces a malformed MMOPERATOR_* variable as its own error before anything changes.</summary>
    protected override void BeginProcessing() => _ = Options;

    protected override void ProcessRecord()
    {
        var changed = OptionsStore.Current;
        var given = new Dictionary<string, object>(StringComparer.Ordinal);
        if (MmctlPath is not null)
        {
            changed = changed with { MmctlPath = ResolveUserPath(MmctlPath) };
            given[nameof(MmctlPath)] = changed.MmctlPath;
        }

        if (RepoPath is not null)
        {
            changed = changed with { RepoPath = ResolveUserPath(RepoPath) };
            given[nameof(RepoPath)] = changed.RepoPath;
        }

        if (PythonPath is not null)
        {
            changed = changed with { PythonPathOverride = ResolveUserPath(PythonPath) };
            given[nameof(PythonPath)] = changed.PythonPath;
        }

        if (AuditLogPath is not null)
        {
            changed = changed with { AuditLogPath = ResolveUserPath(AuditLogPath) };
            given[nameof(AuditLogPath)] = changed.AuditLogPath;
        }

        if (ApprovalLifetimeSec is { } lifetime)
        {
            changed = changed with { ApprovalLifetimeSec = lifetime };
            given[nameof(ApprovalLifetimeSec)] = lifetime;
        }

        if (PassEnv is not null)
        {
            var entries = PassEnv.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture) ?? string.Empty, k => Convert.ToString(PassEnv[k], CultureInfo.InvariantCulture), StringComparer.Ordinal);
            try
            {
                changed = changed with { PassEnv = OperatorOptions.ReadPassEnv(entries.Keys, entries.GetValueOrDefault, "-PassEnv") };
            }
            catch (OperatorException refused)
            {
                ThrowTerminatingError(refused.ToErrorRecord());
            }

            given[nameof(PassEnv)] = changed.PassEnv;
        }

        if (Fleet is not null)
        {
            try
            {
                changed = changed with { Fleet = OperatorOptions.ReadFleet(Fleet, "-Fleet") };
            }
            catch (OperatorException refused)
            {
                ThrowTerminatingError(refused.ToErrorRecord());
            }

            given[nameof(Fleet)] = changed.Fleet;
        }

        if (FleetKeyFilePath is not null)
        {
            changed = changed with { FleetKeyFilePath = ResolveUserPath(FleetKeyFilePath) };
            given[nameof(FleetKeyFilePath)] = changed.FleetKeyFilePath;
        }

        if (TimeoutSec is { } seconds)
        {
            changed = changed.WithTimeout(seconds, nameof(TimeoutSec));
            given[nameof(TimeoutSec)] = seconds;
        }

        var settings = OptionsStore.SettingsPath;
        var saving = Save ? $"; save {(given.Count == 0 ? "nothing" : string.Join(", ", given.Keys))} to {settings}" : string.Empty;
        if (!ShouldProcess($"MmctlPath={changed.MmctlPath}, RepoPath={changed.RepoPath}, PythonPath={changed.PythonPath}, AuditLogPath={changed.AuditLogPath}, TimeoutSec={changed.TimeoutSec}, ApprovalLifetimeSec={changed.ApprovalLifetimeSec}, PassEnv={string.Join(',', changed.PassEnv.Keys)}, Fleet={string.Join(',', changed.Fleet)}{saving}", "Set session options"))
        {
            return;
        }

        OptionsStore.Set(changed, given.Keys);
        WarnIfMissing(changed);
        if (Save)
        {
            SaveOptions(settings, given);
        }

        if (PassThru)
        {
            WriteTyped(OptionsView.From(changed, OptionsStore.Sources, settings), GetMmOperatorOptionCommand.TypeName);
        }
    }

    private void SaveOptions(string settings, Dictionary<string, object> given)
    {
        if (given.Count == 0)
        {
            WriteWarning($"Nothing was saved to '{settings}': -Save writes the options given with it, e.g. Set-MmOperatorOption -RepoPath <folder> -Save.");
            return;
        }

        try
        {
            SettingsFile.Save(settings, given, Environment.GetEnvironmentVariable);
        }
        catch (OperatorException refused)
        {
            WriteError(refused.ToErrorRecord());
        }
    }

    /// <summary>Setting a path that does not exist yet is allowed; using it will be refused, so say so now.</summary>
    private void WarnIfMissing(OperatorOptions options)
    {
        var warned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var check in new Action<OperatorOptions>[] { HostPreconditions.RequireMmctl, HostPreconditions.RequirePython })
        {
            try
            {
                check(options);
            }
            catch (OperatorException problem)
            {
                if (warned.Add(problem.ErrorId))
                {
                    WriteWarning(problem.Message);
                }
            }
        }
    }
}
