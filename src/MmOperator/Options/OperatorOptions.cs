using System.Globalization;

namespace MmOperator.Options;

/// <summary>
/// Where the host's pieces are. Immutable: a change makes a new instance, so a command that took a
/// snapshot keeps consistent paths for its whole run. PythonPath and AuditLogPath follow RepoPath and
/// the state folder unless set explicitly.
/// </summary>
public sealed record OperatorOptions
{
    public const int DefaultTimeoutSec = 90;
    public const int MaxTimeoutSec = 3600;

    public required string MmctlPath { get; init; }

    public required string RepoPath { get; init; }

    /// <summary>Explicit interpreter; null means <c>&lt;repo&gt;/.venv/bin/python</c>.</summary>
    public string? PythonPathOverride { get; init; }

    public required string AuditLogPath { get; init; }

    public int TimeoutSec { get; init; } = DefaultTimeoutSec;

    /// <summary>How long an approval request of a restricted session stays usable.</summary>
    public int ApprovalLifetimeSec { get; init; } = DefaultApprovalLifetimeSec;

    public const int DefaultApprovalLifetimeSec = 30 * 60;

    /// <summary>
    /// How long a bot mmctl says it started is watched before the start counts: a bot refusing its
    /// settings dies within its first second on the real host. A sandbox's bot dies sooner, so it may be shorter.
    /// </summary>
    public int StartSettleMs { get; init; } = DefaultStartSettleMs;

    public const int DefaultStartSettleMs = 1000;

    public TimeSpan StartSettle => TimeSpan.FromMilliseconds(StartSettleMs);

    /// <summary>
    /// Variables every host command gets beside the module's fixed ones (a proxy the bot needs to reach
    /// the exchange), by name, with the operator's values: from MMOPERATOR_PASS_ENV (the names) and
    /// MMOPERATOR_ENV_&lt;NAME&gt; (each value), never from the session's own variables.
    /// </summary>
    public IReadOnlyDictionary<string, string> PassEnv { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public const string PassEnvVariable = "MMOPERATOR_PASS_ENV";

    public const string PassEnvValuePrefix = "MMOPERATOR_ENV_";

    /// <summary>
    /// The system log's socket, where logger writes the record of a person's stop that the audit journal
    /// could not take. A host whose syslog or journald listens elsewhere (a container) names its socket.
    /// </summary>
    public string SystemLogSocketPath { get; init; } = DefaultSystemLogSocketPath;

    public const string DefaultSystemLogSocketPath = "/dev/log";

    /// <summary>The saved fleet: the hosts <c>-Fleet</c> asks, each [user@]host[:port] (checked when set).</summary>
    public IReadOnlyList<string> Fleet { get; init; } = [];

    public const string FleetVariable = "MMOPERATOR_FLEET";

    /// <summary>The SSH key for the fleet's hosts; null means ssh's own defaults.</summary>
    public string? FleetKeyFilePath { get; init; }

    /// <summary>Approval requests live beside the audit journal, in a private folder.</summary>
    public string ApprovalStorePath => Path.Combine(Path.GetDirectoryName(AuditLogPath)!, "approvals");

    /// <summary>Bots that outlived a stop, remembered beside the audit journal (mmctl forgets them).</summary>
    public string OrphanStorePath => Path.Combine(Path.GetDirectoryName(AuditLogPath)!, "orphans.json");

    public string PythonPath => PythonPathOverride ?? Path.Combine(RepoPath, ".venv", "bin", "python");

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSec);

    /// <summary>The runbook host's layout under a home folder, with the audit log under the XDG state folder.</summary>
    public static OperatorOptions Defaults(string home, string? xdgStateHome)
    {
        var state = string.IsNullOrEmpty(xdgStateHome) ? Path.Combine(home, ".local", "state") : xdgStateHome;
        return new OperatorOptions
        {
            MmctlPath = Path.Combine(home, "bin", "mmctl"),
            RepoPath = Path.Combine(home, "Code", "MM"),
            AuditLogPath = Path.Combine(state, "mmoperator", "audit.jsonl"),
        };
    }

    /// <summary>Defaults overridden by MMOPERATOR_* variables; a malformed variable is an error naming it.</summary>
    public static OperatorOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var home = getVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var options = Defaults(home, getVariable("XDG_STATE_HOME"));
        if (Variable(getVariable, "MMOPERATOR_MMCTL") is { } mmctl)
        {
            options = options with { MmctlPath = FullPath(mmctl) };
        }

        if (Variable(getVariable, "MMOPERATOR_REPO") is { } repo)
        {
            options = options with { RepoPath = FullPath(repo) };
        }

        if (Variable(getVariable, "MMOPERATOR_PYTHON") is { } python)
        {
            options = options with { PythonPathOverride = FullPath(python) };
        }

        if (Variable(getVariable, "MMOPERATOR_AUDIT_LOG") is { } audit)
        {
            options = options with { AuditLogPath = FullPath(audit) };
        }

        if (Variable(getVariable, "MMOPERATOR_SYSLOG_SOCKET") is { } socket)
        {
            options = options with { SystemLogSocketPath = FullPath(socket) };
        }

        if (Variable(getVariable, FleetVariable) is { } fleet)
        {
            options = options with { Fleet = ReadFleet(fleet.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), FleetVariable) };
        }

        if (Variable(getVariable, "MMOPERATOR_FLEET_KEY") is { } fleetKey)
        {
            options = options with { FleetKeyFilePath = FullPath(fleetKey) };
        }

        if (Variable(getVariable, "MMOPERATOR_APPROVAL_TTL_SEC") is { } lifetime)
        {
            options = int.TryParse(lifetime, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) && ttl >= 1 && ttl <= 24 * 3600
                ? options with { ApprovalLifetimeSec = ttl }
                : throw new OperatorException(ErrorIds.InvalidOptionValue, System.Management.Automation.ErrorCategory.InvalidArgument, $"MMOPERATOR_APPROVAL_TTL_SEC is '{lifetime}', but it must be a whole number of seconds from 1 to 86400.", lifetime);
        }

        if (Variable(getVariable, "MMOPERATOR_START_SETTLE_MS") is { } settle)
        {
            options = int.TryParse(settle, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms >= 200 && ms <= 10_000
                ? options with { StartSettleMs = ms }
                : throw new OperatorException(ErrorIds.InvalidOptionValue, System.Management.Automation.ErrorCategory.InvalidArgument, $"MMOPERATOR_START_SETTLE_MS is '{settle}', but it must be a whole number of milliseconds from 200 to 10000 (default {DefaultStartSettleMs}).", settle);
        }

        if (Variable(getVariable, PassEnvVariable) is { } names)
        {
            var listed = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            options = options with { PassEnv = ReadPassEnv(listed, name => getVariable(PassEnvValuePrefix + name), PassEnvVariable) };
        }

        if (Variable(getVariable, "MMOPERATOR_TIMEOUT_SEC") is { } timeout)
        {
            if (!int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw InvalidTimeout(timeout, "MMOPERATOR_TIMEOUT_SEC");
            }

            options = options.WithTimeout(seconds, "MMOPERATOR_TIMEOUT_SEC");
        }

        return options;
    }

    /// <summary>The passed variables, each name checked and given its value; <paramref name="setting"/> names where they came from in a refusal.</summary>
    public static IReadOnlyDictionary<string, string> ReadPassEnv(IEnumerable<string> names, Func<string, string?> valueOf, string setting)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(valueOf);
        var passed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var shown = Reporting.VisibleText.QuoteName(name, Security.KeyRules.MaxLength);
            if (Host.HostEnvironment.NameProblem(name) is { } problem)
            {
                throw InvalidPassEnv($"{setting} names '{shown}', which cannot be passed to host commands: {problem}.", name);
            }

            var value = valueOf(name) ?? throw InvalidPassEnv($"{setting} names '{shown}', but its value ({PassEnvValuePrefix}{shown}) is not set. Set it, or leave the name out.", name);
            if (Host.HostEnvironment.ValueProblem(value) is { } unfit)
            {
                // The value is not echoed: a proxy URL may hold a password.
                throw InvalidPassEnv($"{setting} gives '{shown}' a value that cannot be passed to host commands: {unfit}.", name);
            }

            passed[name] = value;
        }

        return passed;
    }

    /// <summary>The fleet's hosts, each checked as -HostName checks it; <paramref name="setting"/> names where they came from in a refusal.</summary>
    public static IReadOnlyList<string> ReadFleet(IEnumerable<string> hosts, string setting)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        try
        {
            return hosts.Select(h => global::MmOperator.Fleet.FleetTarget.Parse(h).Given).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        catch (OperatorException malformed)
        {
            throw new OperatorException(ErrorIds.InvalidOptionValue, System.Management.Automation.ErrorCategory.InvalidArgument, $"{setting} names '{Reporting.VisibleText.Quote(malformed.Target as string, 300)}', which is not a fleet host: each is [user@]host[:port], as New-PSSession -HostName takes it (alice@10.1.0.2:22). The fleet was not changed.", malformed.Target);
        }
    }

    private static OperatorException InvalidPassEnv(string message, string name) =>
        new(ErrorIds.InvalidOptionValue, System.Management.Automation.ErrorCategory.InvalidArgument, message, name);

    public OperatorOptions WithTimeout(int seconds, string settingName)
    {
        if (seconds < 1 || seconds > MaxTimeoutSec)
        {
            throw InvalidTimeout(seconds.ToString(CultureInfo.InvariantCulture), settingName);
        }

        return this with { TimeoutSec = seconds };
    }

    private static OperatorException InvalidTimeout(string value, string settingName) => new(
        ErrorIds.InvalidOptionValue,
        System.Management.Automation.ErrorCategory.InvalidArgument,
        $"{settingName} is '{value}', but the command timeout must be a whole number of seconds from 1 to {MaxTimeoutSec} (the default {DefaultTimeoutSec} leaves room for mmctl's 30 s graceful stop).",
        value);

    private static string? Variable(Func<string, string?> getVariable, string name) =>
        getVariable(name) is { } value && value.Trim().Length > 0 ? value.Trim() : null;

    /// <summary>Absolute path with a leading <c>~</c> expanded, so a relative setting cannot change meaning with the current folder.</summary>
    public static string FullPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..];
        }

        return Path.GetFullPath(path);
    }
}
