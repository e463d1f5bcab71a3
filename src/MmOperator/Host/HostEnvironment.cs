using System.Collections;
using MmOperator.Options;
using MmOperator.Security;

namespace MmOperator.Host;

/// <summary>
/// The whole environment of a host command (mmctl, the advisor scripts, and so the bot mmctl starts),
/// built from an allow-list and nothing else: a fixed PATH, HOME, USER and LOGNAME of the account from
/// the user database, LANG=C.UTF-8, and the variables the operator named in the options (PassEnv)
/// with the operator's values. Nothing of the session's own environment reaches it, in the agent's
/// session or a person's, so a bot's environment does not depend on who started it. The one exception
/// is for tests: a sandbox's stand-ins get the MM_SANDBOX_* hooks of a person's session.
/// </summary>
public static class HostEnvironment
{
    /// <summary>The launcher's PATH too: system folders only, none an account other than root can write.</summary>
    public const string FixedPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public const string Language = "C.UTF-8";

    /// <summary>The sandbox stand-ins' test hooks (fault injection, a shorter stop).</summary>
    public const string SandboxHookPrefix = "MM_SANDBOX_";

    /// <summary>The longest value a passed variable may have: a proxy URL or a host list, not a file.</summary>
    public const int MaxValueLength = 4096;

    private static readonly string[] FixedNames = ["PATH", "HOME", "USER", "LOGNAME", "LANG"];

    /// <summary>The environment of every host command of a session.</summary>
    public static IReadOnlyDictionary<string, string> Build(UserAccount account, IReadOnlyDictionary<string, string> passed, IEnumerable<KeyValuePair<string, string>> sandboxHooks)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(passed);
        ArgumentNullException.ThrowIfNull(sandboxHooks);
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in passed)
        {
            // The options checked them; checked again here, since this is what a process gets.
            if (NameProblem(name) is null && ValueProblem(value) is null)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in sandboxHooks)
        {
            if (name.StartsWith(SandboxHookPrefix, StringComparison.Ordinal) && Security.KeyRules.HostKey().IsMatch(name) && ValueProblem(value) is null)
            {
                environment[name] = value;
            }
        }

        environment["PATH"] = FixedPath;
        environment["HOME"] = account.Home;
        environment["USER"] = account.Name;
        environment["LOGNAME"] = account.Name;
        environment["LANG"] = Language;
        return environment;
    }

    /// <summary>
    /// The sandbox hooks of this process's environment, when the host is a sandbox (its repo holds the
    /// stand-ins' own code, which reads them) and the session is a person's; none in the agent's session.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> SandboxHooks(OperatorOptions options, CallerIdentity session, IDictionary processEnvironment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(processEnvironment);
        if (session.IsAgent || !Sandbox.SandboxBuilder.IsSandbox(options.RepoPath))
        {
            return [];
        }

        return processEnvironment.Cast<DictionaryEntry>()
            // An empty hook is an unset one (PowerShell's $env:X = '' keeps the variable, empty).
            .Where(entry => entry.Key is string name && name.StartsWith(SandboxHookPrefix, StringComparison.Ordinal) && entry.Value is string { Length: > 0 })
            .Select(entry => KeyValuePair.Create((string)entry.Key, (string)entry.Value!))
            .ToList();
    }

    /// <summary>Why a variable may not be passed to host commands, or null when it may.</summary>
    public static string? NameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return !Security.KeyRules.HostKey().IsMatch(name) ? "a variable name is upper-case ASCII letters, digits and '_' (^[A-Z_][A-Z0-9_]*$)"
            : FixedNames.Contains(name, StringComparer.Ordinal) ? $"{name} is set by the module itself (PATH {FixedPath}, HOME, USER and LOGNAME from the user database, LANG {Language})"
            : LoaderKeys.IsLoaderKey(name) ? "it changes how a program loads code or what it trusts, so it never reaches a host command"
            : name.StartsWith("MMOPERATOR_", StringComparison.Ordinal) || name.StartsWith(SandboxHookPrefix, StringComparison.Ordinal) ? "MMOPERATOR_* and MM_SANDBOX_* are the module's and the sandbox's own"
            : name.StartsWith("MM_", StringComparison.Ordinal) ? "the bot's settings (MM_*) belong in the .env files, where their bounds are checked and changes are approved"
            : null;
    }

    /// <summary>Why a value may not be passed, or null when it may: one line of text.</summary>
    public static string? ValueProblem(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > MaxValueLength ? $"a value is at most {MaxValueLength} characters"
            : value.Any(char.IsControl) ? "a value is one line without control characters (no line break, tab or NUL)"
            : null;
    }
}
