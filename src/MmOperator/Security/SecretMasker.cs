using System.Text.RegularExpressions;
using MmOperator.EnvFiles;
using MmOperator.Errors;

namespace MmOperator.Security;

/// <summary>
/// Hides secret values in text that comes from the host and its files (command output, file values).
/// Two nets: the actual values of protected and secret-like keys found in the repo's <c>.env*</c> files,
/// and any <c>KEY=value</c> or <c>"KEY": "value"</c> whose key is protected or secret-like, both by the
/// repo's <see cref="KeyRules"/> (its protected_keys.json included). Text the caller typed gets only the
/// second net, by the runbook's rule (<see cref="HideAssignments"/>): masking it where it equals a
/// secret would answer whether a guess is right.
/// </summary>
public sealed partial class SecretMasker
{
    public const string Mask = "********";

    /// <summary>Shorter values (0, true) are too common to replace wherever they appear; the assignment net still covers them.</summary>
    private const int MinSecretLength = 6;

    private readonly IReadOnlyList<string> _secrets;

    private readonly KeyRules _keys;

    public SecretMasker(IEnumerable<string> secretValues, KeyRules? keys = null)
    {
        _secrets = secretValues.Where(v => v.Length >= MinSecretLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();
        _keys = keys ?? KeyRules.Runbook;
    }

    public static SecretMasker None { get; } = new([]);

    [GeneratedRegex("(?<key>[A-Za-z0-9_]+)(?<sep>\"?\\s*[=:]\\s*\"?)(?<value>[^\"\\s,}]+)")]
    private static partial Regex Assignment();

    /// <summary>Every word followed by an assignment, nested ones included (nothing is consumed past the key).</summary>
    [GeneratedRegex("[A-Za-z0-9_]+(?=\"?\\s*[=:]\\s*\"?[^\"\\s,}])")]
    private static partial Regex AssignedKey();

    /// <summary>
    /// Collects the secret values of every <c>.env</c> and <c>.env.*</c> file in the repo, by the repo's
    /// key rule. When protected_keys.json cannot be read, which keys it protects is unknown, so every
    /// value is treated as a secret: output may hide too much, never too little.
    /// </summary>
    public static SecretMasker ForRepo(string repoPath) => ForFiles(RepoEnvFiles.Read(repoPath));

    /// <summary>The same, from files a command has already read (it reads each one once).</summary>
    public static SecretMasker ForFiles(RepoEnvFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!Directory.Exists(files.RepoPath))
        {
            return None;
        }

        KeyRules? keys;
        try
        {
            keys = RepoPolicy.LoadKeyRules(files.RepoPath);
        }
        catch (OperatorException)
        {
            keys = null;
        }

        // An unreadable file has no entries: it holds nothing we could leak either.
        var secrets = files.Files.SelectMany(file => file.Entries).Where(e => keys is null || keys.IsProtected(e.Key)).Select(e => e.Value);
        return new SecretMasker(secrets, keys);
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? Apply(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return Hide(text, _keys);
    }

    /// <summary>The key rule this masker hides by (the repo's, its protected_keys.json included).</summary>
    public KeyRules Keys => _keys;

    /// <summary>
    /// The assignment net alone, by a key rule (the runbook's unless given): the same answer whatever the
    /// secret values are, so safe on text the caller typed.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? HideAssignments(string? text, KeyRules? keys = null) => string.IsNullOrEmpty(text) ? text : Hide(text, keys ?? KeyRules.Runbook);

    private static string Hide(string text, KeyRules keys) =>
        Assignment().Replace(text, m => keys.IsProtected(m.Groups["key"].Value) ? m.Groups["key"].Value + m.Groups["sep"].Value + Mask : m.Value);

    /// <summary>
    /// True when caller-typed text holds a protected or secret-like <c>KEY=value</c> anywhere: it could
    /// not be shown as typed, so a Plan could not show what an approval covers.
    /// </summary>
    public static bool NeedsMasking(string? text, KeyRules? keys = null) =>
        !string.IsNullOrEmpty(text) && AssignedKey().Matches(text).Any(m => (keys ?? KeyRules.Runbook).IsProtected(m.Value));
}
