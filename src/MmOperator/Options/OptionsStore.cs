using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using MmOperator.Security;

namespace MmOperator.Options;

/// <summary>
/// The options of each PowerShell session (runspace): read when the module is imported into it (not
/// later, so a variable set afterwards cannot redirect the module), changed only by Set-MmOperatorOption.
/// Precedence: the session's Set-MmOperatorOption, then MMOPERATOR_* variables, then the operator's
/// settings file (<see cref="SettingsFile"/>), then the defaults. Commands take one snapshot at the
/// start of their work. Each runspace has its own: an import in another one (ForEach-Object -Parallel,
/// Start-ThreadJob) must never repoint a session that rehearses on a sandbox at the real host.
/// </summary>
public static class OptionsStore
{
    public const string FromSession = "session";
    public const string FromEnvironment = "environment";
    public const string FromSettingsFile = "settings file";
    public const string FromAgentSettings = "mm-operator.conf";

    private static readonly ConditionalWeakTable<Runspace, SessionOptions> BySession = new();

    /// <summary>Code that runs outside any runspace (xUnit without one) shares this one.</summary>
    private static readonly SessionOptions Unattached = new();

    /// <summary>The calling session's options: every caller runs on its runspace's pipeline thread.</summary>
    private static SessionOptions Session => Runspace.DefaultRunspace is { } runspace ? BySession.GetValue(runspace, _ => new SessionOptions()) : Unattached;

    public static OperatorOptions Current => Session.Current;

    /// <summary>Where each option that is not a default came from, by option name.</summary>
    public static IReadOnlyDictionary<string, string> Sources => Session.Sources;

    /// <summary>The import's warnings the first time a command asks after an import, then none: the session sees them once.</summary>
    public static IReadOnlyList<string> TakeNewImportWarnings() => Session.TakeNewImportWarnings();

    /// <summary>What the import left out of the settings file, and why.</summary>
    public static IReadOnlyList<string> ImportWarnings => Session.ImportWarnings;

    /// <summary>The settings file this session reads and -Save writes.</summary>
    public static string SettingsPath => Session.SettingsPath;

    /// <summary>The session's options, with the names of the options this session set explicitly.</summary>
    public static void Set(OperatorOptions value, IEnumerable<string> setBySession) => Session.Set(value, setBySession);

    /// <summary>Reads MMOPERATOR_* and the settings file now, for the calling session (see <see cref="Load"/>).</summary>
    public static void Import() => Import(CallerIdentity.Current);

    /// <summary>Reads MMOPERATOR_* and the settings file now, for the session being imported.</summary>
    public static void Import(CallerIdentity session) => Session.Import(session);

    /// <summary>
    /// The options from the variables over the settings file over the defaults. In the agent's path the
    /// options come from the operator's mm-operator.conf only: no settings file of the agent's is read.
    /// A malformed variable is kept as the error every command reports until fixed; what the settings
    /// file cannot give is only a warning.
    /// </summary>
    public static ImportedOptions Load(CallerIdentity session, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(environment);
        var path = SettingsFile.PathFor(environment);
        var file = session.IsAgent ? null : SettingsFile.Read(path, environment);
        string? Set(string variable) => session.Variable(variable, environment) is { } value && value.Trim().Length > 0 ? value : null;
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, variable) in SettingsFile.Variables)
        {
            if (Set(variable) is not null)
            {
                sources[option] = session.IsAgent ? FromAgentSettings : FromEnvironment;
            }
            else if (file?.Values.ContainsKey(option) == true)
            {
                sources[option] = FromSettingsFile;
            }
        }

        try
        {
            return new ImportedOptions(OperatorOptions.FromEnvironment(name => Set(name) ?? file?.Variable(name)), null, sources, file?.Warnings ?? [], path);
        }
        catch (OperatorException error)
        {
            return new ImportedOptions(null, error, sources, file?.Warnings ?? [], path);
        }
    }
}

/// <summary>What an import read: the options or the error that replaces them, where each came from, and the settings file's warnings.</summary>
public sealed record ImportedOptions(OperatorOptions? Options, OperatorException? Error, IReadOnlyDictionary<string, string> Sources, IReadOnlyList<string> Warnings, string SettingsPath);

/// <summary>One session's options and what its import said; a session that never imported reads them on first use.</summary>
internal sealed class SessionOptions
{
    private readonly object _gate = new();
    private OperatorOptions? _current;
    private OperatorException? _importError;
    private Dictionary<string, string> _sources = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _importWarnings = [];
    private bool _importWarningsShown;
    private string _settingsPath = string.Empty;

    public OperatorOptions Current
    {
        get
        {
            lock (_gate)
            {
                if (_current is null && _importError is null)
                {
                    Import(CallerIdentity.Current);
                }

                return _current ?? throw _importError!;
            }
        }
    }

    public IReadOnlyDictionary<string, string> Sources
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, string>(_sources, StringComparer.Ordinal);
            }
        }
    }

    public IReadOnlyList<string> TakeNewImportWarnings()
    {
        lock (_gate)
        {
            var fresh = _importWarningsShown ? [] : _importWarnings;
            _importWarningsShown = true;
            return fresh;
        }
    }

    public IReadOnlyList<string> ImportWarnings
    {
        get
        {
            lock (_gate)
            {
                return _importWarnings;
            }
        }
    }

    public string SettingsPath
    {
        get
        {
            lock (_gate)
            {
                return _settingsPath.Length > 0 ? _settingsPath : SettingsFile.PathFor(Environment.GetEnvironmentVariable);
            }
        }
    }

    public void Set(OperatorOptions value, IEnumerable<string> setBySession)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(setBySession);
        lock (_gate)
        {
            _current = value;
            _importError = null;
            foreach (var name in setBySession)
            {
                _sources[name] = OptionsStore.FromSession;
            }
        }
    }

    public void Import(CallerIdentity session)
    {
        var loaded = OptionsStore.Load(session, Environment.GetEnvironmentVariable);
        lock (_gate)
        {
            _settingsPath = loaded.SettingsPath;
            _sources = new Dictionary<string, string>(loaded.Sources, StringComparer.Ordinal);
            _importWarnings = loaded.Warnings;
            _importWarningsShown = false;
            _current = loaded.Options;
            _importError = loaded.Error;
        }
    }
}
