using System.Management.Automation;
using System.Text.Json;
using MmOperator.Errors;

namespace MmOperator.EnvFiles;

/// <summary>A key's type and bounds from <c>mm_config/policy/bounds.json</c>.</summary>
public sealed record KeyBounds(string Type, double? Min, double? Max);

/// <summary>
/// The repo's own policy files: whitelist.json (keys the advisor may change), bounds.json (type and
/// min/max per key) and protected_keys.json (more protected keys). A missing file is an empty policy;
/// a malformed one is an error, so a broken policy never silently allows more.
/// </summary>
public sealed class RepoPolicy
{
    private RepoPolicy(IReadOnlySet<string> whitelist, IReadOnlyDictionary<string, KeyBounds> bounds, IReadOnlySet<string> protectedKeys)
    {
        Whitelist = whitelist;
        Bounds = bounds;
        ProtectedKeys = protectedKeys;
    }

    public IReadOnlySet<string> Whitelist { get; }

    public IReadOnlyDictionary<string, KeyBounds> Bounds { get; }

    public IReadOnlySet<string> ProtectedKeys { get; }

    public static RepoPolicy Load(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        var folder = Path.Combine(repoPath, "mm_config", "policy");
        var whitelist = Read(Path.Combine(folder, "whitelist.json"), e => e.EnumerateArray().Select(k => k.GetString()!).ToHashSet(StringComparer.Ordinal), new HashSet<string>());
        var protectedKeys = Read(Path.Combine(folder, "protected_keys.json"), e => e.EnumerateArray().Select(k => k.GetString()!).ToHashSet(StringComparer.Ordinal), new HashSet<string>());
        var bounds = Read(Path.Combine(folder, "bounds.json"), e => e.EnumerateObject().ToDictionary(
            p => p.Name,
            p => new KeyBounds(
                p.Value.TryGetProperty("type", out var type) ? type.GetString() ?? "string" : "string",
                p.Value.TryGetProperty("min", out var min) ? min.GetDouble() : null,
                p.Value.TryGetProperty("max", out var max) ? max.GetDouble() : null),
            StringComparer.Ordinal), new Dictionary<string, KeyBounds>());
        return new RepoPolicy(whitelist, bounds, protectedKeys);
    }

    private static T Read<T>(string path, Func<JsonElement, T> parse, T missing)
    {
        if (!File.Exists(path))
        {
            return missing;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return parse(document.RootElement);
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or IOException or UnauthorizedAccessException or FormatException)
        {
            throw new OperatorException(ErrorIds.PolicyUnreadable, ErrorCategory.InvalidData, $"The policy file '{path}' cannot be read ({error.Message}). Nothing was changed; fix the file first.", path, error);
        }
    }
}
