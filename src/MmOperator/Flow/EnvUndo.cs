using MmOperator.Audit;
using MmOperator.EnvFiles;
using MmOperator.Reporting;

namespace MmOperator.Flow;

/// <summary>
/// Undo of recorded .env changes, as edits like any other (<see cref="EnvEditFlow"/>: the same checks, risk
/// guards, approval and journal). Per file and key, the value before the first change undone is put back
/// (a key that did not exist is removed), and the reason names the changes undone. A key changed since
/// (a later change, or a file that no longer holds the value the last change wrote) is refused unless forced.
/// </summary>
public static class EnvUndo
{
    /// <summary>The edits that undo <paramref name="undone"/>, one per file and key, in the order the keys were first changed.</summary>
    /// <param name="history">The whole history, to find changes made since.</param>
    /// <param name="newValue">The check of a value to put back, as Set-MmEnvParam checks a value.</param>
    /// <param name="force">-Force: put back even over a change made since.</param>
    public static List<EnvEditRequest> Requests(IReadOnlyList<EnvHistoryEntry> history, IReadOnlyList<EnvHistoryEntry> undone, string reason, bool allowNonMmKey, bool force, Func<string, string, string> newValue)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(undone);
        ArgumentNullException.ThrowIfNull(newValue);
        var ids = undone.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        // One file is named ETH-USD by the module's records and maybe eth by a host's row: grouped by its slug.
        return undone.GroupBy(e => (Slug: Market.SlugOfSymbol(e.Market), e.Key)).Select(group =>
        {
            var changes = group.OrderBy(e => e.Time).ToList();
            var (first, last) = (changes[0], changes[^1]);
            var since = history.Where(e => Market.SlugOfSymbol(e.Market) == group.Key.Slug && e.Key == first.Key && e.Time > last.Time && !ids.Contains(e.Id)).ToList();
            var named = string.Join(", ", changes.Select(c => c.Id));
            return new EnvEditRequest(first.Market == ".env" ? null : [Market.Parse(first.Market)], first.Market == ".env", first.Key, allowNonMmKey, $"undo {named}: {reason}", key =>
            {
                if (!first.PreviousKnown)
                {
                    throw new OperatorException(ErrorIds.EnvUndoUnknownBefore, ErrorCategory.InvalidData, $"{key} cannot be put back: change {first.Id} ({first.How}) does not record the value it replaced. Nothing was changed; set the value you want with Set-MmEnvParam.", key);
                }

                return first.PreviousValue is null ? null : newValue(key, first.PreviousValue);
            })
            {
                Action = first.PreviousValue is null ? AuditActions.EnvRemove : AuditActions.EnvSet,
                CheckCurrent = (key, current) => CheckNotChangedSince(key, current, first, last, since, force),
            };
        }).ToList();
    }

    private static void CheckNotChangedSince(string key, string? current, EnvHistoryEntry first, EnvHistoryEntry last, List<EnvHistoryEntry> since, bool force)
    {
        if (force || HostValueForm.SameValue(current, first.PreviousValue))
        {
            return;
        }

        var changed = since.Count > 0
            ? $"it changed again since: {string.Join("; ", since.Select(e => $"{e.Id} ({e.How}, {e.Time:yyyy-MM-ddTHH:mm:ssZ}) {RunbookText.Value(e.PreviousValue)} -> {RunbookText.Value(e.NewValue)}"))}"
            : !HostValueForm.SameValue(current, last.NewValue) ? $"the file holds {RunbookText.Value(current)}, not the {RunbookText.Value(last.NewValue)} change {last.Id} wrote (changed since, outside what is recorded)"
            : null;
        if (changed is not null)
        {
            throw new OperatorException(ErrorIds.EnvUndoSuperseded, ErrorCategory.ResourceUnavailable, $"{key} is not put back to {RunbookText.Value(first.PreviousValue)}: {changed}. Nothing was changed. Undo the later change first, or add -Force to put the value back over it (-Force also confirms a risk change).", key);
        }
    }
}
