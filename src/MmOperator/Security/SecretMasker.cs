using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using MmOperator.EnvFiles;

namespace MmOperator.Security;

/// <summary>
/// Hides secret values in free text that comes from the host (its stdout, stderr and logs). Two nets:
/// the actual values of protected and secret-like keys found in the repo's <c>.env*</c> files, and any
/// <c>KEY=value</c> or <c>"KEY": "value"</c> whose key is protected or secret-like, both by the repo's
/// <see cref="KeyRules"/> (its protected_keys.json included). Text the caller typed gets only the
/// second net, by the runbook's rule (<see cref="HideAssignments"/>): masking it where it equals a
/// secret would answer whether a guess is right. Structured values (a file's values, a proposal's
/// fields, the fields of the host's JSON answers) are never masked by what they hold, but by key
/// (<see cref="KeyRules.Shown"/>, <see cref="ApplyToOutput"/>).
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

    // A key starts where a word starts: the leftmost match always did, and the lookbehind spares the
    // regex a scan from every letter of a long word (a 1 MB value took 12 s, now milliseconds).
    [GeneratedRegex("(?<![A-Za-z0-9_])(?<key>[A-Za-z0-9_]+)(?<sep>\"?\\s*[=:]\\s*\"?)(?<value>[^\"\\s,}]+)")]
    private static partial Regex Assignment();

    /// <summary>Every word followed by an assignment, nested ones included (nothing is consumed past the key).</summary>
    [GeneratedRegex("(?<![A-Za-z0-9_])[A-Za-z0-9_]+(?=\"?\\s*[=:]\\s*\"?[^\"\\s,}])")]
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
            keys = KeyRules.Load(files.RepoPath);
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

    /// <summary>
    /// Fields of the host's JSON answers (docs/reference/host-contract.md) that hold identifiers, names,
    /// paths, states, codes, hashes, times and counts: shown as they are, since masking the part of a
    /// proposal id that equals a secret would answer a guess (and the id would no longer match its row).
    /// </summary>
    private static readonly HashSet<string> StructuredFields = new(StringComparer.Ordinal)
    {
        "proposal_id", "proposal_ids", "market", "param", "env", "env_path", "log", "proposals_path", "controller_id",
        "status", "result", "mode", "applied_by", "confidence", "escalation_target", "guardrail_status", "failure_reason", "reason",
        "env_before_hash", "env_after_hash", "generated_at", "created_at", "ts", "applied_ts",
        "pid", "line", "pending", "selected", "applied", "failed", "skipped", "written", "created", "ok", "dry_run", "deadman",
        "instances", "results", "failures", "start", "stop",
    };

    /// <summary>Fields of a proposal row that hold values of its <c>param</c>: shown by that key.</summary>
    private static readonly HashSet<string> ValueFields = new(StringComparer.Ordinal) { "old", "proposed", "new", "baseline_value" };

    /// <summary>
    /// The host's stdout. A JSON answer field by field: <see cref="StructuredFields"/> as they are, a row's
    /// values by its param (<see cref="KeyRules.Shown"/>), and error text and every field the contract does
    /// not name as free text (<see cref="Apply"/>). Output that is not one JSON value is free text whole.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public string? ApplyToOutput(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return text;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var written = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(written, new JsonWriterOptions { Indented = text.AsSpan().Trim().Contains('\n'), Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                WriteMasked(writer, document.RootElement, field: null, rowKey: null);
            }

            return Encoding.UTF8.GetString(written.WrittenSpan) + (text.EndsWith('\n') ? "\n" : string.Empty);
        }
        catch (Exception unreadable) when (unreadable is JsonException or InvalidOperationException)
        {
            // Not JSON, or a string .NET cannot hold (an unpaired surrogate): free text.
            return Apply(text);
        }
    }

    private void WriteMasked(Utf8JsonWriter writer, JsonElement element, string? field, string? rowKey)
    {
        var structured = field is not null && StructuredFields.Contains(field);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var key = RowKey(element);
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(StructuredFields.Contains(property.Name) || ValueFields.Contains(property.Name) ? property.Name : Apply(property.Name));
                    WriteMasked(writer, property.Value, property.Name, key);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteMasked(writer, item, field, rowKey);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var value = element.GetString()!;
                writer.WriteStringValue(rowKey is not null && field is not null && ValueFields.Contains(field) ? _keys.Shown(rowKey, value) : structured ? value : Apply(value));
                break;
            default:
                // A number, true, false or null as written; a number holding a secret in a free-text field becomes the masked text.
                var raw = element.GetRawText();
                var masked = structured ? raw : Apply(raw);
                if (masked == raw)
                {
                    element.WriteTo(writer);
                }
                else
                {
                    writer.WriteStringValue(masked);
                }

                break;
        }
    }

    /// <summary>The key a row's values belong to: its param (a protected one if a row names several), or null.</summary>
    private string? RowKey(JsonElement row)
    {
        var keys = row.EnumerateObject().Where(p => p.Name == "param" && p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()!).ToList();
        return keys.FirstOrDefault(_keys.IsProtected) ?? keys.LastOrDefault();
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
    public static bool NeedsMasking(string? text, KeyRules? keys = null) => SecretAssignedKey(text, keys) is not null;

    /// <summary>The first protected or secret-like key the text assigns a value to (<c>token</c> in <c>token=abc</c>), or null.</summary>
    public static string? SecretAssignedKey(string? text, KeyRules? keys = null) =>
        string.IsNullOrEmpty(text) ? null : AssignedKey().Matches(text).FirstOrDefault(m => (keys ?? KeyRules.Runbook).IsProtected(m.Value))?.Value;
}
