using System.Globalization;
using System.Text;

namespace MmOperator.EnvFiles;

/// <summary>
/// The host's own record of configuration changes, <c>data/mm_audit/config_changelog.jsonl</c>, which the
/// host's tools read to find recent changes. The advisor's apply script writes its rows; a direct edit
/// writes one row in the shape the host's own manual-edit tool uses, so the host sees it too.
/// </summary>
public static class HostChangelog
{
    public static string PathIn(string repoPath) => Path.Combine(repoPath, "data", "mm_audit", "config_changelog.jsonl");

    /// <summary>The row for one key changed (<paramref name="newValue"/> null: removed) in one file, as one JSON line.</summary>
    public static string Row(DateTimeOffset when, string market, string envPath, string key, string? oldValue, string? newValue)
    {
        var seconds = (when.ToUnixTimeMilliseconds() / 1000.0).ToString("0.0##", CultureInfo.InvariantCulture);
        var fields = new (string Name, string Json)[]
        {
            ("ts", seconds),
            ("market", Quote(market)),
            ("agent", Quote("mmoperator")),
            ("source", Quote("mmoperator_env_edit")),
            ("iteration", "null"),
            ("env_before", Quote(envPath)),
            ("env_after", Quote(envPath)),
            ("param", Quote(key)),
            ("old", Quote(oldValue)),
            ("new", Quote(newValue)),
            ("reasons", "[" + Quote("manual_env_edit") + "]"),
            ("stop_reason", "null"),
            ("run_started", "null"),
            ("analysis_file", "null"),
            ("tuning_log_file", "null"),
            ("trigger", "null"),
        };
        return "{" + string.Join(", ", fields.Select(f => Quote(f.Name) + ": " + f.Json)) + "}";
    }

    /// <summary>Appends one row in a single write; the folder and file are made as the host makes them (0755, 0644).</summary>
    public static void Append(string repoPath, string row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var path = PathIn(repoPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
        file.Write(Encoding.ASCII.GetBytes(row + "\n"));
    }

    /// <summary>A JSON string as Python's json.dumps writes it (non-ASCII escaped), or null.</summary>
    private static string Quote(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' or > '~' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return json.Append('"').ToString();
    }
}
