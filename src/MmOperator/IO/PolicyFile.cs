using System.Text.Json;

namespace MmOperator.IO;

/// <summary>
/// A JSON file of a repo's <c>mm_config/policy</c> folder (whitelist, bounds, protected keys, risk keys):
/// a missing file is an empty policy, a malformed one a refusal that changes nothing.
/// </summary>
public static class PolicyFile
{
    public static T Read<T>(string repoPath, string name, Func<JsonElement, T> parse, T missing)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        ArgumentNullException.ThrowIfNull(parse);
        var path = Path.Combine(repoPath, "mm_config", "policy", name);
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
