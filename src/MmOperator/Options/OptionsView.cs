namespace MmOperator.Options;

/// <summary>
/// The session's options as Get-MmOperatorOption shows them (PSTypeName MmOperator.OperatorOption):
/// times in whole seconds and milliseconds rather than TimeSpans, so ConvertTo-Json and Export-Csv give
/// plain numbers, and where the values came from. Its path properties pipe into Set-MmOperatorOption.
/// </summary>
public sealed class OptionsView
{
    public required string MmctlPath { get; init; }

    public required string RepoPath { get; init; }

    public required string PythonPath { get; init; }

    public required string AuditLogPath { get; init; }

    public int TimeoutSec { get; init; }

    public int ApprovalLifetimeSec { get; init; }

    public int StartSettleMs { get; init; }

    /// <summary>The names of the variables passed to host commands; their values are not shown (a proxy URL may hold a password).</summary>
    public required IReadOnlyList<string> PassEnv { get; init; }

    /// <summary>Where logger writes a person's stop that the audit journal could not take.</summary>
    public required string SystemLogSocketPath { get; init; }

    public required string ApprovalStorePath { get; init; }

    /// <summary>The hosts -Fleet asks.</summary>
    public required IReadOnlyList<string> Fleet { get; init; }

    public string? FleetKeyFilePath { get; init; }

    /// <summary>The settings file Set-MmOperatorOption -Save writes and the next import reads.</summary>
    public required string SettingsPath { get; init; }

    /// <summary>Where the values came from: "default", or the options that are not, each with its source.</summary>
    public required string Source { get; init; }

    public static OptionsView From(OperatorOptions options, IReadOnlyDictionary<string, string> sources, string settingsPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        var named = SettingsFile.Variables.Keys.Where(sources.ContainsKey).Select(n => $"{n} ({sources[n]})").ToList();
        return new OptionsView
        {
            MmctlPath = options.MmctlPath,
            RepoPath = options.RepoPath,
            PythonPath = options.PythonPath,
            AuditLogPath = options.AuditLogPath,
            TimeoutSec = options.TimeoutSec,
            ApprovalLifetimeSec = options.ApprovalLifetimeSec,
            StartSettleMs = options.StartSettleMs,
            PassEnv = options.PassEnv.Keys.ToList(),
            SystemLogSocketPath = options.SystemLogSocketPath,
            ApprovalStorePath = options.ApprovalStorePath,
            Fleet = options.Fleet,
            FleetKeyFilePath = options.FleetKeyFilePath,
            SettingsPath = settingsPath,
            Source = named.Count == 0 ? "default" : "default, except " + string.Join(", ", named),
        };
    }
}
