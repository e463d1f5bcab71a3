using MmOperator.Errors;

namespace MmOperator.Options;

/// <summary>
/// The options of this PowerShell session: read when the module is imported (not later, so a
/// variable set afterwards cannot redirect the module), changed only by Set-MmOperatorOption.
/// Precedence: the session's Set-MmOperatorOption, then MMOPERATOR_* variables, then the operator's
/// settings file (<see cref="SettingsFile"/>), then the defaults. Commands take one snapshot at the
/// start of their work.
/// </summary>
public static class OptionsStore
{
    public const string FromSession = "session";
    public const string FromEnvironment = "environment";
    public const string FromSettingsFile = "settings file";
    public const string FromAgentSettings = "mm-operator.conf";

    private static readonly object Gate = new();
    private static OperatorOptions? _current;
    private static OperatorException? _importError;
    private static Dictionary<string, string> _sources = new(StringComparer.Ordinal);
    private static IReadOnlyList<string> _importWarnings = [];
    private static bool _importWarningsShown;
    private static string _settingsPath = string.Empty;

    public static OperatorOptions Current
    {
        get
        {
            lock (Gate)
            {
                if (_current is null && _importError is null)
                {
                    Import();
                }

                return _current ?? throw _importError!;
            }
        }
    }

    /// <summary>Where each option that is not a default came from, by option name.</summary>
    public static IReadOnlyDictionary<string, string> Sources
    {
        get
        {
            lock (Gate)
            {
                return new Dictionary<string, string>(_sources, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The import's warnings the first time a command asks after an import, then none: the session sees them once.</summary>
    public static IReadOnlyList<string> TakeNewImportWarnings()
    {
        lock (Gate)
        {
            var fresh = _importWarningsShown ? [] : _importWarnings;
            _importWarningsShown = true;
            return fresh;
        }
    }

    /// <summary>What the import left out of the settings file, and why.</summary>
    public static IReadOnlyList<string> ImportWarnings
    {
        get
        {
            lock (Gate)
            {
                return _importWarnings;
            }
        }
    }

    /// <summary>The settings file this session reads and -Save writes.</summary>
    public static string SettingsPath
    {
        get
        {
            lock (Gate)
            {
                return _settingsPath.Length > 0 ? _settingsPath : SettingsFile.PathFor(Environment.GetEnvironmentVariable);
            }
        }
    }

    /// <summary>The session's options, with the names of the options this session set explicitly.</summary>
    public static void Set(OperatorOptions value, IEnumerable<string> setBySession)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(setBySession);
        lock (Gate)
        {
            _current = value;
            _importError = null;
            foreach (var name in setBySession)
            {
                _sources[name] = FromSession;
            }
        }
    }

    /// <summary>Reads MMOPERATOR_* and the settings file now, for the session of this thread (see <see cref="Load"/>).</summary>
    public static void Import() => Import(AgentSession.Current);

    /// <summary>Reads MMOPERATOR_* and the settings file now, for the session being imported.</summary>
    public static void Import(AgentSession session)
    {
        var loaded = Load(session, Environment.GetEnvironmentVariable);
        lock (Gate)
        {
            _settingsPath = loaded.SettingsPath;
            _sources = new Dictionary<string, string>(loaded.Sources, StringComparer.Ordinal);
            _importWarnings = loaded.Warnings;
            _importWarningsShown = false;
            _current = loaded.Options;
            _importError = loaded.Error;
        }
    }

    /// <summary>
    /// The options from the variables over the settings file over the defaults. In the agent's path the
    /// options come from the operator's mm-operator.conf only: no settings file of the agent's is read.
    /// A malformed variable is kept as the error every command reports until fixed; what the settings
    /// file cannot give is only a warning.
    /// </summary>
    public static ImportedOptions Load(AgentSession session, Func<string, string?> environment)
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
