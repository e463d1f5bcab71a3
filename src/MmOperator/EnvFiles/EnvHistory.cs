using System.Globalization;
using System.Text.Json;
using MmOperator.Audit;
using MmOperator.Reporting;
using MmOperator.Security;

namespace MmOperator.EnvFiles;

/// <summary>
/// One change of one key of a .env file (PSTypeName MmOperator.EnvHistoryEntry): what it was before and
/// after, when (UTC), who and how. Field names follow <see cref="EnvChange"/>; <see cref="Id"/> is what
/// Undo-MmEnvParam -ChangeId takes.
/// </summary>
public sealed class EnvHistoryEntry
{
    public const string TypeName = "MmOperator.EnvHistoryEntry";

    public const string ModuleEdit = "module edit";
    public const string AdvisorApply = "advisor apply";
    public const string ManualEdit = "manual edit";

    public required DateTime Time { get; init; }

    /// <summary>The market's symbol, or .env for the shared file.</summary>
    public required string Market { get; init; }

    public required string Key { get; init; }

    /// <summary>set or remove.</summary>
    public required string Action { get; init; }

    public string? PreviousValue { get; init; }

    public string? NewValue { get; init; }

    /// <summary>module edit (Set-, Remove-, Undo-MmEnvParam), advisor apply, or manual edit (recorded by the host's own tools).</summary>
    public required string How { get; init; }

    public string? User { get; init; }

    public string? Reason { get; init; }

    /// <summary>The command run that made it: the changes of one campaign share it (Undo-MmEnvParam -Batch).</summary>
    public string? Batch { get; init; }

    /// <summary>The journal record's id, or changelog:&lt;line&gt; for a change only the host's changelog records.</summary>
    public required string Id { get; init; }

    /// <summary>Whether <see cref="PreviousValue"/> is known: an advisor proposal made without its old value does not say what it replaced.</summary>
    [Hidden]
    public bool PreviousKnown { get; init; } = true;

    public override string ToString() => $"{Market} {Key}: {RunbookText.Value(PreviousValue)} -> {RunbookText.Value(NewValue)}";
}

/// <summary>Which changes Get-MmEnvHistory lists: each filter given narrows the list.</summary>
public sealed record EnvHistoryFilter(IReadOnlyList<string>? Markets = null, IReadOnlyList<string>? Keys = null, DateTime? Since = null, DateTime? Until = null, IReadOnlyList<string>? Batches = null);

/// <summary>
/// Every change of the .env files' keys, oldest first, from the two places that record them: the module's
/// audit journal (its own edits and the advisor applies it ran) and the host's
/// <c>data/mm_audit/config_changelog.jsonl</c> (edits by the host's own tools, and applies the module did not run).
/// The changelog rows the module wrote itself are in the journal already, with more (who, why, batch). Read only.
/// </summary>
public static class EnvHistory
{
    private static readonly HashSet<string> EditActions = [AuditActions.EnvSet, AuditActions.EnvRemove];
    private static readonly HashSet<string> AdvisorActions = [AuditActions.AdvisorApprove, AuditActions.AdvisorWarrenAuto];

    /// <summary>The changelog rows the module itself writes beside its journal records (see <see cref="HostChangelog"/>).</summary>
    private const string ModuleSource = "mmoperator_env_edit";

    private const string AdvisorSource = "mm_advisor_apply";

    /// <param name="masker">Masks a secret value a host's row may hold; a protected key's values are never shown.</param>
    public static List<EnvHistoryEntry> Read(IEnumerable<AuditRecord> journal, string changelogPath, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(masker);
        var fromJournal = journal.Where(r => r.Outcome == AuditOutcome.Succeeded && r.Key is not null && r.Market is not null && (EditActions.Contains(r.Action) || AdvisorActions.Contains(r.Action))).ToList();
        // An apply the module ran is in the journal with its proposal id first in the detail ("<id>: applied; ...").
        var appliedByModule = fromJournal.Where(r => AdvisorActions.Contains(r.Action))
            .Select(r => r.Detail?.Split(':')[0] ?? string.Empty)
            .ToHashSet(StringComparer.Ordinal);
        return fromJournal.Select(FromJournal)
            .Concat(FromChangelog(changelogPath, appliedByModule, masker))
            .OrderBy(e => e.Time)
            .ToList();
    }

    /// <summary>
    /// The entries that match every filter given: markets in any accepted form or by wildcard (ETH-USD, eth,
    /// .env.eth, .env for the shared file), keys by wildcard, a time window (UTC, both ends included), batches.
    /// </summary>
    public static IEnumerable<EnvHistoryEntry> Where(IEnumerable<EnvHistoryEntry> entries, EnvHistoryFilter filter)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(filter);
        var markets = filter.Markets?.Select(m => Markets.Market.Parse(m) is { Form: Markets.MarketForm.EnvFile, Slug: { } slug } ? slug : m)
            .Select(m => new WildcardPattern(m, WildcardOptions.IgnoreCase)).ToList();
        var keys = filter.Keys?.Select(k => new WildcardPattern(k, WildcardOptions.IgnoreCase)).ToList();
        var (since, until) = (filter.Since?.ToUniversalTime(), filter.Until?.ToUniversalTime());
        return entries
            .Where(e => markets is null || markets.Any(p => p.IsMatch(e.Market) || p.IsMatch(Markets.Market.SlugOfSymbol(e.Market))))
            .Where(e => keys is null || keys.Any(p => p.IsMatch(e.Key)))
            .Where(e => (since is null || e.Time >= since) && (until is null || e.Time <= until))
            .Where(e => filter.Batches is null || (e.Batch is not null && filter.Batches.Contains(e.Batch, StringComparer.OrdinalIgnoreCase)));
    }

    private static EnvHistoryEntry FromJournal(AuditRecord record)
    {
        var advisor = AdvisorActions.Contains(record.Action);
        return new EnvHistoryEntry
        {
            Time = DateTime.SpecifyKind(record.Time, DateTimeKind.Utc),
            Market = record.Market!,
            Key = record.Key!,
            Action = record.NewValue is null ? AuditActions.EnvRemove : AuditActions.EnvSet,
            PreviousValue = record.PreviousValue,
            NewValue = record.NewValue,
            How = advisor ? EnvHistoryEntry.AdvisorApply : EnvHistoryEntry.ModuleEdit,
            User = record.User,
            Reason = record.Reason,
            Batch = record.Batch,
            Id = record.Id,
            PreviousKnown = !advisor || record.PreviousValue is not null,
        };
    }

    /// <summary>The host's rows of changes made (advisor rows only when applied); a line that is not a row is skipped, as the host's tools skip it.</summary>
    private static IEnumerable<EnvHistoryEntry> FromChangelog(string path, HashSet<string> appliedByModule, SecretMasker masker)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        var line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (Row(text) is not { } row)
            {
                continue;
            }

            using (row)
            {
                if (Entry(row.RootElement, line, appliedByModule, masker) is { } entry)
                {
                    yield return entry;
                }
            }
        }
    }

    private static JsonDocument? Row(string text)
    {
        try
        {
            var row = JsonDocument.Parse(text);
            if (row.RootElement.ValueKind == JsonValueKind.Object)
            {
                return row;
            }

            row.Dispose();
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static EnvHistoryEntry? Entry(JsonElement row, int line, HashSet<string> appliedByModule, SecretMasker masker)
    {
        var source = Text(row, "source");
        var advisor = source == AdvisorSource;
        var key = Text(row, "param");
        if (source == ModuleSource || string.IsNullOrEmpty(key) || key == "*"
            || (advisor && (Text(row, "apply_result") != "applied" || appliedByModule.Contains(Text(row, "proposal_id") ?? string.Empty))))
        {
            return null;
        }

        var file = Text(row, "env_after") ?? Text(row, "env_path");
        var after = Text(row, advisor ? "proposed" : "new");
        var before = Text(row, "old");
        var isProtected = masker.Keys.Verdict(key, allowNonMmKey: true) == KeyVerdict.Protected;
        string? Shown(string? value) => value is null ? null : isProtected ? SecretMasker.Mask : VisibleText.Of(masker.Apply(value));
        return new EnvHistoryEntry
        {
            Time = Time(row),
            Market = file is not null && Path.GetFileName(file) == ".env" ? ".env" : VisibleText.Of(Text(row, "market") ?? "unknown")!,
            Key = VisibleText.Of(key)!,
            Action = after is null ? AuditActions.EnvRemove : AuditActions.EnvSet,
            PreviousValue = Shown(before),
            NewValue = Shown(after),
            How = advisor ? EnvHistoryEntry.AdvisorApply : EnvHistoryEntry.ManualEdit,
            User = VisibleText.Of(Text(row, advisor ? "applied_by" : "agent")),
            Reason = VisibleText.Of(advisor ? Text(row, "reason_note") ?? Text(row, "reason") : Reasons(row)),
            Id = $"changelog:{line}",
            PreviousKnown = !isProtected && (before is not null || !advisor),
        };
    }

    /// <summary>A field as text: strings as they are, numbers and booleans as JSON writes them, null when absent or null.</summary>
    private static string? Text(JsonElement row, string name) =>
        !row.TryGetProperty(name, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.Array => null,
            _ => value.GetRawText(),
        };

    private static string? Reasons(JsonElement row) =>
        row.TryGetProperty("reasons", out var reasons) && reasons.ValueKind == JsonValueKind.Array
            ? string.Join(", ", reasons.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : r.GetRawText()))
            : null;

    /// <summary>ts is epoch seconds, a number or a numeric string (as the host reads it); anything else counts as 0.</summary>
    private static DateTime Time(JsonElement row) =>
        double.TryParse(Text(row, "ts"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && Math.Abs(seconds) < 1e11
            ? DateTime.UnixEpoch.AddSeconds(seconds)
            : DateTime.UnixEpoch;
}
