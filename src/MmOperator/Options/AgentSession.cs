using System.Management.Automation;
using MmOperator.Errors;

namespace MmOperator.Options;

/// <summary>
/// The agent's path into the module. The launcher (bin/mm-operator) starts PowerShell with env -i and
/// marks the session with <see cref="MarkerVariable"/>; there the options come only from the
/// operator's settings file beside the module (<see cref="SettingsFileName"/>, written at install), never
/// from MMOPERATOR_* in the environment. The agent cannot remove the mark: its only way in is the
/// launcher, through sudo (env_reset) or an SSH key forced to the launcher, and setting the mark
/// itself only restricts it further.
/// </summary>
public sealed class AgentSession
{
    public const string MarkerVariable = "MMOPERATOR_AGENT";
    public const string SettingsFileName = "mm-operator.conf";
    public const string AgentUsersSetting = "MMOPERATOR_AGENT_USERS";
    public const string AgentUidsSetting = "MMOPERATOR_AGENT_UIDS";

    private readonly Func<string, string?> _environment;
    private readonly IReadOnlyDictionary<string, string> _settings;

    public AgentSession(Func<string, string?> environment, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(settings);
        _environment = environment;
        _settings = settings;
    }

    /// <summary>This process's environment and the settings file of the loaded module.</summary>
    public static AgentSession Current => new(Environment.GetEnvironmentVariable, ReadSettings(Path.Combine(Path.GetDirectoryName(typeof(AgentSession).Assembly.Location)!, SettingsFileName)));

    /// <summary>How the agent came in (sudo:&lt;user&gt;, ssh, local:&lt;user&gt;), or null outside the launcher.</summary>
    public string? Via => _environment(MarkerVariable) is { Length: > 0 } via ? via : null;

    /// <summary>The variables the options are read from: in the agent's path, MMOPERATOR_* come only from the settings file.</summary>
    public string? Variable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Via is not null && name.StartsWith("MMOPERATOR_", StringComparison.Ordinal) ? _settings.GetValueOrDefault(name) : _environment(name);
    }

    /// <summary>
    /// Approval decisions are a human's: refused in the launcher's sessions and when sudo's invoking
    /// user (SUDO_USER, SUDO_UID) is an agent account named in the settings file, whatever the language mode.
    /// </summary>
    public void RefuseAgentDecision()
    {
        var who = Via
            ?? (IsListed(AgentUsersSetting, _environment("SUDO_USER")) ? "sudo:" + _environment("SUDO_USER") : null)
            ?? (IsListed(AgentUidsSetting, _environment("SUDO_UID")) ? "sudo uid " + _environment("SUDO_UID") : null);
        if (who is not null)
        {
            throw new OperatorException(
                ErrorIds.AgentDecisionRefused,
                ErrorCategory.PermissionDenied,
                $"Approval requests are decided by a human, and this session is the agent's ({Reporting.VisibleText.Of(who)}). Ask a person to run Approve-MmApprovalRequest or Deny-MmApprovalRequest from the operator's own session.",
                who);
        }
    }

    private bool IsListed(string setting, string? value) =>
        value is { Length: > 0 } && _settings.GetValueOrDefault(setting) is { } list && list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(value, StringComparer.Ordinal);

    /// <summary>KEY=VALUE lines (the launcher reads the same file); a missing file is no settings.</summary>
    public static IReadOnlyDictionary<string, string> ReadSettings(string path)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return settings;
        }

        foreach (var line in File.ReadLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && !line.StartsWith('#'))
            {
                settings[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }

        return settings;
    }
}
