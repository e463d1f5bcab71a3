using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MmOperator.Reporting;

/// <summary>
/// The one-line forms Export-Csv and ConvertTo-Csv show. They write each visible property's ToString():
/// a DateTime in the session's culture without its zone (12/04/2026 13:19:02), a nested object as
/// @{status=started; ...}, and a text's line breaks inside one quoted field, which line-based tools
/// split. So a report object keeps the typed property hidden (scripts, views, ConvertTo-Json and
/// remoting still read it by name) and shows its form from here beside it.
/// </summary>
public static partial class CsvField
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>ISO 8601 in UTC to the millisecond, 2026-12-04T13:19:02.123Z; an unspecified kind is taken as UTC, as the journal writes it.</summary>
    public static string Time(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The text on one line: each line break (and the blank lines around it) becomes " | ".</summary>
    public static string? OneLine(string? text) => text is null ? null : LineBreaks().Replace(text.Trim('\r', '\n'), " | ");

    /// <summary>Compact JSON, control characters escaped (so one line): a host's answer as it reads back with ConvertFrom-Json.</summary>
    public static string? Json(object? value) => value switch
    {
        null => null,
        JsonElement element => JsonSerializer.Serialize(element, Compact),
        _ => JsonSerializer.Serialize(value, value.GetType(), Compact),
    };

    [GeneratedRegex(@"[ \t]*(\r\n|\r|\n)+[ \t]*")]
    private static partial Regex LineBreaks();
}
