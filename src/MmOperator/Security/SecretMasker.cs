using System.Text.RegularExpressions;
using MmOperator.EnvFiles;

namespace MmOperator.Security;

/// <summary>
/// Hides secret values in any text the module shows or stores (verbose, debug, errors). Two nets:
/// the actual values of protected and secret-like keys found in the repo's <c>.env*</c> files, and any
/// <c>KEY=value</c> or <c>"KEY": "value"</c> whose key is protected or secret-like.
/// </summary>
public sealed partial class SecretMasker
{
    public const string Mask = "********";

    /// <summary>Shorter values (0, true) are too common to replace wherever they appear; the assignment net still covers them.</summary>
    private const int MinSecretLength = 6;

    private readonly IReadOnlyList<string> _secrets;

    public SecretMasker(IEnumerable<string> secretValues)
    {
        _secrets = secretValues.Where(v => v.Length >= MinSecretLength).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();
    }

    public static SecretMasker None { get; } = new([]);

    [GeneratedRegex("(?<key>[A-Za-z0-9_]+)(?<sep>\"?\\s*[=:]\\s*\"?)(?<value>[^\"\\s,}]+)")]
    private static partial Regex Assignment();

    /// <summary>Collects the secret values of every <c>.env</c> and <c>.env.*</c> file in the repo.</summary>
    public static SecretMasker ForRepo(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        if (!Directory.Exists(repoPath))
        {
            return None;
        }

        var secrets = new List<string>();
        foreach (var file in Directory.EnumerateFiles(repoPath, ".env*"))
        {
            try
            {
                secrets.AddRange(HostEnvReader.ReadEntries(File.ReadAllText(file)).Where(e => KeyPolicy.IsProtected(e.Key)).Select(e => e.Value));
            }
            catch (IOException)
            {
                // An unreadable file holds nothing we could leak either.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return new SecretMasker(secrets);
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

        return Assignment().Replace(text, m => KeyPolicy.IsProtected(m.Groups["key"].Value) ? m.Groups["key"].Value + m.Groups["sep"].Value + Mask : m.Value);
    }
}
