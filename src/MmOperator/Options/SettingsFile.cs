using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using MmOperator.Reporting;

namespace MmOperator.Options;

/// <summary>
/// The operator's saved options: <c>$XDG_CONFIG_HOME/mmoperator/settings.json</c> (else
/// <c>~/.config/mmoperator/settings.json</c>), one JSON object of option names to values, written by
/// Set-MmOperatorOption -Save. Each option stands in for its MMOPERATOR_* variable with a lower
/// precedence and the same checks; PassEnv, the one object, stands in for MMOPERATOR_PASS_ENV and the
/// MMOPERATOR_ENV_* values it names. Only option names are accepted: anything else is ignored with a
/// warning (a file holds no secrets). A file that cannot be used is a warning naming it (shown by
/// Get-MmOperatorOption), never a failed import: its values are left out and the defaults stand.
/// </summary>
public sealed class SettingsFile
{
    /// <summary>Each option the file may hold, and the variable whose checks (and place in the options) it shares.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MmctlPath"] = "MMOPERATOR_MMCTL",
        ["RepoPath"] = "MMOPERATOR_REPO",
        ["PythonPath"] = "MMOPERATOR_PYTHON",
        ["AuditLogPath"] = "MMOPERATOR_AUDIT_LOG",
        ["TimeoutSec"] = "MMOPERATOR_TIMEOUT_SEC",
        ["ApprovalLifetimeSec"] = "MMOPERATOR_APPROVAL_TTL_SEC",
        ["StartSettleMs"] = "MMOPERATOR_START_SETTLE_MS",
        [PassEnvOption] = OperatorOptions.PassEnvVariable,
        ["SystemLogSocketPath"] = "MMOPERATOR_SYSLOG_SOCKET",
        [FleetOption] = OperatorOptions.FleetVariable,
        ["FleetKeyFilePath"] = "MMOPERATOR_FLEET_KEY",
    };

    /// <summary>The one option that is a list: the fleet's hosts, a JSON array of texts, which stands in for MMOPERATOR_FLEET (comma-separated).</summary>
    public const string FleetOption = "Fleet";

    /// <summary>The one option that is an object: variable names to values, which the file's variables view spreads over MMOPERATOR_PASS_ENV and MMOPERATOR_ENV_*.</summary>
    public const string PassEnvOption = "PassEnv";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private SettingsFile(string path, IReadOnlyDictionary<string, string> values, IReadOnlyList<string> warnings)
    {
        Path = path;
        Values = values;
        Warnings = warnings;
    }

    public string Path { get; }

    /// <summary>The usable options, by option name, as text.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>What was left out and why, each naming the file.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Where the file is for this environment (XDG_CONFIG_HOME, else HOME/.config).</summary>
    public static string PathFor(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var config = getVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathFullyQualified(xdg)
            ? xdg
            : System.IO.Path.Combine(getVariable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return System.IO.Path.Combine(config, "mmoperator", "settings.json");
    }

    /// <summary>The option's value as its variable would give it, or null.</summary>
    public string? Variable(string variableName)
    {
        if (Values.TryGetValue(PassEnvOption, out var passed) && PassEnvVariables(JsonNode.Parse(passed)!.AsObject()).TryGetValue(variableName, out var value))
        {
            return value;
        }

        return variableName != OperatorOptions.PassEnvVariable && Variables.FirstOrDefault(v => v.Value == variableName).Key is { } option ? Values.GetValueOrDefault(option) : null;
    }

    /// <summary>{"HTTPS_PROXY": "http://proxy:3128"} as its variables: MMOPERATOR_PASS_ENV=HTTPS_PROXY, MMOPERATOR_ENV_HTTPS_PROXY=http://proxy:3128.</summary>
    private static Dictionary<string, string> PassEnvVariables(JsonObject passed)
    {
        var variables = passed.ToDictionary(p => OperatorOptions.PassEnvValuePrefix + p.Key, p => p.Value is JsonValue text && text.TryGetValue<string>(out var value) ? value : string.Empty, StringComparer.Ordinal);
        variables[OperatorOptions.PassEnvVariable] = string.Join(',', passed.Select(p => p.Key));
        return variables;
    }

    /// <summary>Reads the file; a missing file is no settings, without a warning.</summary>
    public static SettingsFile Read(string path, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(getVariable);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        JsonObject? root;
        try
        {
            if (!File.Exists(path))
            {
                return new SettingsFile(path, values, warnings);
            }

            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            warnings.Add($"The settings file '{path}' cannot be read ({error.Message}); it is ignored and the defaults are used. Fix it, or remove it and save again with Set-MmOperatorOption -Save.");
            return new SettingsFile(path, values, warnings);
        }

        if (root is null)
        {
            warnings.Add($"The settings file '{path}' is not a JSON object of option names to values; it is ignored and the defaults are used. Fix it, or remove it and save again with Set-MmOperatorOption -Save.");
            return new SettingsFile(path, values, warnings);
        }

        foreach (var (name, node) in root)
        {
            if (!Variables.TryGetValue(name, out var variable))
            {
                // The name only: an unknown entry may be a secret put there by mistake.
                warnings.Add($"The settings file '{path}' has '{VisibleText.QuoteName(name, Variables.Keys.Max(k => k.Length))}', which is not an option; it is ignored. The file takes only {string.Join(", ", Variables.Keys)}.");
                continue;
            }

            if (Check(name, variable, node, getVariable) is { } problem)
            {
                warnings.Add($"The settings file '{path}' has an unusable {name}: {problem} It is ignored; the default or the environment's value is used.");
                continue;
            }

            values[name] = Text(node!);
        }

        return new SettingsFile(path, values, warnings);
    }

    /// <summary>
    /// Writes these options over the file's usable ones, atomically (a temporary file renamed over it),
    /// owner-only in a folder created owner-only. A file that is there but unusable is refused rather
    /// than overwritten, so nothing a person wrote in it is lost.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, object> options, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var current = Read(path, getVariable);
        if (current.Warnings.Count > 0)
        {
            throw new OperatorException(ErrorIds.SettingsFileUnusable, ErrorCategory.InvalidData, $"{current.Warnings[0]} Nothing was saved: fix or remove the file first (the options are set for this session).", path);
        }

        var merged = new JsonObject();
        foreach (var name in Variables.Keys)
        {
            if (options.TryGetValue(name, out var value))
            {
                merged[name] = value switch
                {
                    int number => JsonValue.Create(number),
                    IReadOnlyDictionary<string, string> variables => new JsonObject(variables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value)))),
                    IReadOnlyList<string> hosts => HostList(hosts),
                    _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
                };
            }
            else if (current.Values.TryGetValue(name, out var kept))
            {
                merged[name] = name == PassEnvOption ? JsonNode.Parse(kept) : name == FleetOption ? HostList(kept.Split(',')) : IsPath(name) ? JsonValue.Create(kept) : JsonValue.Create(int.Parse(kept, CultureInfo.InvariantCulture));
            }
        }

        try
        {
            var folder = System.IO.Path.GetDirectoryName(path)!;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var temporary = System.IO.Path.Combine(folder, $".settings.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            try
            {
                using (var file = new FileStream(temporary, create))
                {
                    file.Write(System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString(Indented) + "\n"));
                    file.Flush(flushToDisk: true);
                }

                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException(ErrorIds.SettingsFileUnusable, ErrorCategory.WriteError, $"The settings file '{path}' cannot be written ({error.Message}). Nothing was saved; the options are set for this session only.", path, error);
        }
    }

    /// <summary>Null when the value passes its variable's checks; a path must be absolute (a relative one would follow the current folder).</summary>
    private static string? Check(string name, string variable, JsonNode? node, Func<string, string?> getVariable)
    {
        if (name == PassEnvOption)
        {
            if (node is not JsonObject passed || passed.Any(p => p.Value is not JsonValue text || !text.TryGetValue<string>(out _)))
            {
                return "it must be an object of variable names to text values.";
            }

            var variables = PassEnvVariables(passed);
            return Checked(name, variable, n => variables.GetValueOrDefault(n), getVariable);
        }

        if (name == FleetOption)
        {
            return node is JsonArray hosts && hosts.All(h => h is JsonValue text && text.TryGetValue<string>(out _))
                ? Checked(name, variable, n => n == variable ? Text(node) : null, getVariable)
                : "it must be an array of hosts, each a text ([user@]host[:port]).";
        }

        var isPath = IsPath(name);
        if (node is not JsonValue value || (isPath ? !value.TryGetValue<string>(out _) : !value.TryGetValue<int>(out _)))
        {
            return isPath ? "it must be a text (an absolute path)." : "it must be a whole number.";
        }

        var text = Text(node);
        if (isPath && !System.IO.Path.IsPathFullyQualified(text) && text != "~" && !text.StartsWith("~/", StringComparison.Ordinal))
        {
            return $"'{VisibleText.Of(text)}' is not an absolute path.";
        }

        return Checked(name, variable, n => n == variable ? text : null, getVariable);
    }

    /// <summary>Null when the option's variables pass the variables' own checks, else the problem in the file's words.</summary>
    private static string? Checked(string name, string variable, Func<string, string?> variables, Func<string, string?> getVariable)
    {
        try
        {
            _ = OperatorOptions.FromEnvironment(n => variables(n) ?? (n is "HOME" or "XDG_STATE_HOME" ? getVariable(n) : null));
            return null;
        }
        catch (OperatorException refused)
        {
            // The checks name the variable; here the value came from the file's option of that name.
            return refused.Message.Replace(variable, name, StringComparison.Ordinal);
        }
        catch (ArgumentException refused)
        {
            return refused.Message;
        }
    }

    private static bool IsPath(string name) => name.EndsWith("Path", StringComparison.Ordinal);

    /// <summary>The option's value as its variable's text: the fleet's hosts comma-separated.</summary>
    private static string Text(JsonNode node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonArray hosts => string.Join(',', hosts.Select(h => h!.GetValue<string>())),
        _ => node.ToJsonString(),
    };

    private static JsonArray HostList(IEnumerable<string> hosts) => new([.. hosts.Select(h => (JsonNode?)JsonValue.Create(h))]);
}
