using System.Text.Json;

namespace MmOperator.Flow;

/// <summary>JSON to the objects ConvertFrom-Json would give, so host answers read naturally in PowerShell.</summary>
internal static class PsJson
{
    public static object? ToPowerShell(object? value) => value is JsonElement element ? Convert(element) : value;

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => ToObject(element),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        // Boxed apart: a conditional of long and double would make every pid a double (4242.0 in JSON).
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? (object)whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static PSObject ToObject(JsonElement element)
    {
        var result = new PSObject();
        foreach (var property in element.EnumerateObject())
        {
            result.Properties.Add(new PSNoteProperty(property.Name, Convert(property.Value)));
        }

        return result;
    }
}
