using System.Globalization;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace MmOperator.Security;

/// <summary>
/// Who runs a session, as its environment said when the module was imported: read once, validated, and
/// never read from the environment again, so a $env: write later in the session changes nothing here.
/// The agent's path into the module is the launcher (bin/mm-operator): it starts PowerShell with env -i
/// and marks the session with <see cref="MarkerVariable"/> (how the agent came in); there the options
/// come only from the operator's settings file beside the module (<see cref="SettingsFileName"/>,
/// written at install), never from MMOPERATOR_* in the environment. The agent cannot remove the mark:
/// its only way in is the launcher, through sudo (env_reset) or an SSH key forced to the launcher, and
/// setting the mark itself only restricts it further. In a person's session sudo's SUDO_USER and
/// SUDO_UID and the kernel's login uid name the person behind the account.
/// </summary>
public sealed partial class CallerIdentity
{
    public const string MarkerVariable = "MMOPERATOR_AGENT";
    public const string SettingsFileName = "mm-operator.conf";
    public const string AgentUsersSetting = "MMOPERATOR_AGENT_USERS";
    public const string AgentUidsSetting = "MMOPERATOR_AGENT_UIDS";

    /// <summary>A mark the launcher does not write: the session is still the agent's, but its text is not kept.</summary>
    public const string UnrecognisedVia = "unrecognised";

    /// <summary>The kernel's "no login uid" (-1 as unsigned): a process no login started.</summary>
    private const string NoLoginUid = "4294967295";

    /// <summary>Each runspace's own import: a process may host a person's session and, in tests, an agent's beside it.</summary>
    private static readonly ConditionalWeakTable<Runspace, CallerIdentity> ByRunspace = new();

    private static CallerIdentity? _latest;

    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <param name="environment">Read here and never again.</param>
    /// <param name="settings">The operator's mm-operator.conf.</param>
    /// <param name="loginUid">The text of /proc/self/loginuid, when there is one.</param>
    public CallerIdentity(Func<string, string?> environment, IReadOnlyDictionary<string, string> settings, string? loginUid = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        Via = environment(MarkerVariable) is { Length: > 0 } via ? (ViaPattern().IsMatch(via) ? via : UnrecognisedVia) : null;
        SudoUser = environment("SUDO_USER") is { } user && AccountPattern().IsMatch(user) ? user : null;
        SudoUid = Uid(environment("SUDO_UID"));
        LoginUid = Uid(loginUid) is { } uid && uid != NoLoginUid ? uid : null;
        TempPath = environment("TMPDIR") is { Length: > 0 } temporary && Path.IsPathFullyQualified(temporary) ? temporary : "/tmp";
    }

    /// <summary>How the agent came in (sudo:&lt;user&gt;, ssh, local:&lt;user&gt;, or <see cref="UnrecognisedVia"/>), or null outside the launcher.</summary>
    public string? Via { get; }

    public bool IsAgent => Via is not null;

    /// <summary>sudo's invoking user, when it is a plain account name.</summary>
    public string? SudoUser { get; }

    public string? SudoUid { get; }

    /// <summary>The uid of the person whose login started this process (it survives sudo and su), or null.</summary>
    public string? LoginUid { get; }

    /// <summary>Where this session puts temporary files: TMPDIR at import, else /tmp.</summary>
    public string TempPath { get; }

    /// <summary>The session whose command runs on this thread: its runspace's import; without one (a worker thread, a test), the latest import.</summary>
    public static CallerIdentity Current =>
        Runspace.DefaultRunspace is { } runspace && ByRunspace.TryGetValue(runspace, out var session)
            ? session
            : Volatile.Read(ref _latest) ?? Import();

    /// <summary>Reads this process's environment, the settings file of the loaded module and the login uid, for the runspace importing the module.</summary>
    public static CallerIdentity Import()
    {
        var session = new CallerIdentity(Environment.GetEnvironmentVariable, ReadSettings(Path.Combine(Path.GetDirectoryName(typeof(CallerIdentity).Assembly.Location)!, SettingsFileName)), ReadLoginUid());
        if (Runspace.DefaultRunspace is { } runspace)
        {
            ByRunspace.AddOrUpdate(runspace, session);
        }

        Volatile.Write(ref _latest, session);
        return session;
    }

    /// <summary>The variables the options are read from: in the agent's path, MMOPERATOR_* come only from the settings file.</summary>
    public string? Variable(string name, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(environment);
        return IsAgent && name.StartsWith("MMOPERATOR_", StringComparison.Ordinal) ? _settings.GetValueOrDefault(name) : environment(name);
    }

    /// <summary>
    /// Approval decisions are a human's: refused in the launcher's sessions and when sudo's invoking
    /// user (SUDO_USER, SUDO_UID) is an agent account named in the settings file, whatever the language mode.
    /// </summary>
    public void RefuseAgentDecision()
    {
        var who = Via
            ?? (IsListed(AgentUsersSetting, SudoUser) ? "sudo:" + SudoUser : null)
            ?? (IsListed(AgentUidsSetting, SudoUid) ? "sudo uid " + SudoUid : null);
        if (who is not null)
        {
            throw new OperatorException(
                ErrorIds.AgentDecisionRefused,
                ErrorCategory.PermissionDenied,
                $"Approval requests are decided by a human, and this session is the agent's ({Reporting.VisibleText.Of(who)}). Ask a person to run Approve-MmApprovalRequest or Deny-MmApprovalRequest from the operator's own session.",
                who);
        }
    }

    /// <summary>The account and the person behind it, as a decision records them: mmop (sudo by alice, login uid 1001).</summary>
    public string Person(string account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var behind = new List<string>();
        if (SudoUser is not null || SudoUid is not null)
        {
            behind.Add(SudoUser is not null ? "sudo by " + SudoUser : "sudo by uid " + SudoUid);
        }

        if (LoginUid is not null)
        {
            behind.Add("login uid " + LoginUid);
        }

        return behind.Count == 0 ? account : $"{account} ({string.Join(", ", behind)})";
    }

    private bool IsListed(string setting, string? value) =>
        value is { Length: > 0 } && _settings.GetValueOrDefault(setting) is { } list && list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(value, StringComparer.Ordinal);

    private static string? Uid(string? text) =>
        text?.Trim() is { Length: > 0 and <= 10 } uid && uint.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? uid : null;

    private static string? ReadLoginUid()
    {
        try
        {
            return File.ReadAllText("/proc/self/loginuid");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null; // no audit support in this kernel: no login uid to name
        }
    }

    /// <summary>What the launcher writes: sudo:&lt;account&gt;, ssh or local:&lt;account&gt;.</summary>
    /// <summary>An account name as useradd makes it (and the launcher and the setup check it).</summary>
    private const string Account = "[a-z_][a-z0-9_-]{0,31}";

    [GeneratedRegex("^(sudo:" + Account + "|ssh|local:" + Account + ")\\z")]
    private static partial Regex ViaPattern();

    [GeneratedRegex("^" + Account + "\\z")]
    private static partial Regex AccountPattern();

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
