using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MmOperator.IO;

namespace MmOperator.Advisor;

/// <summary>
/// The advisor's pending proposals decided from the host's own files, read only, by the rule of
/// mm_advisor_apply.py (rules A2, A3, A11): lines that are not JSON objects are ignored; an id is
/// pending unless some receipt for it says applied, failed, or skipped with already_at_proposed; the
/// listing is every pending id once, from its newest row, newest ts first (a stable sort, so ties keep
/// file order). The script's own listing stops at <see cref="ListCap"/> rows; this does not.
/// </summary>
public sealed partial class PendingProposals
{
    /// <summary>The most rows <c>--list-pending</c> answers (its --list-limit default).</summary>
    public const int ListCap = 50;

    /// <summary>The most proposals one warren-auto run applies (its --limit default).</summary>
    public const int WarrenAutoLimit = 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly IReadOnlyList<ProposalRecord> _rows;
    private readonly HashSet<string> _handled;

    private PendingProposals(IReadOnlyList<ProposalRecord> rows, HashSet<string> handled)
    {
        _rows = rows;
        _handled = handled;
        Pending = rows.OrderByDescending(r => r.Ts)
            .DistinctBy(r => r.Id)
            .Where(r => r.Id.Length > 0 && IsPending(r.Id))
            .ToList();
    }

    /// <summary>Every pending proposal, from its newest row, newest ts first, uncapped.</summary>
    public IReadOnlyList<ProposalRecord> Pending { get; }

    public static string ProposalsPath(string repoPath) => Path.Combine(repoPath, "data", "mm_audit", "advisor", "proposals.jsonl");

    public static string ReceiptsPath(string repoPath) => Path.Combine(repoPath, "data", "mm_audit", "advisor", "apply_receipts.jsonl");

    /// <summary>Reads <c>proposals.jsonl</c> and <c>apply_receipts.jsonl</c> under the repo, never writing; a missing file is empty.</summary>
    public static PendingProposals Read(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        return Parse(Lines(ProposalsPath(repoPath)), Lines(ReceiptsPath(repoPath)));
    }

    public static PendingProposals Parse(IEnumerable<string> proposalLines, IEnumerable<string> receiptLines)
    {
        ArgumentNullException.ThrowIfNull(proposalLines);
        ArgumentNullException.ThrowIfNull(receiptLines);
        try
        {
            var rows = Objects(proposalLines).Select(o => new ProposalRecord(o)).ToList();
            var handled = Objects(receiptLines).Where(IsFinal)
                .Select(o => ProposalRecord.TextOrEmpty(o, "proposal_id"))
                .ToHashSet(StringComparer.Ordinal);
            return new PendingProposals(rows, handled);
        }
        catch (InvalidOperationException unreadable)
        {
            // The script reads such a row; guessing past it could hide or add a proposal.
            throw new OperatorException(ErrorIds.AdvisorFilesUnreadable, ErrorCategory.InvalidData, $"A row of the advisor files holds text the module cannot read as the apply script does ({unreadable.Message}). Nothing was applied; have a human fix or remove that row.", null, unreadable);
        }
    }

    /// <summary>Whether any row has this id (the script's proposal_id_not_found versus proposal_not_pending).</summary>
    public bool Contains(string proposalId) => _rows.Any(r => r.Id == proposalId);

    /// <summary>
    /// What <c>--mode warren-auto --approve</c> applies, in its order: the eligible rows of pending ids,
    /// the newest per (market, param) (on equal ts the first in the file), oldest ts first, at most
    /// <paramref name="limit"/>.
    /// </summary>
    public IReadOnlyList<ProposalRecord> WarrenAuto(int limit = WarrenAutoLimit)
    {
        var newest = new Dictionary<(string, string), ProposalRecord>();
        foreach (var row in _rows.OrderBy(r => r.Ts).Where(r => r.Id.Length > 0 && IsPending(r.Id) && r.IsWarrenAutoEligible))
        {
            if (!newest.TryGetValue(row.Target, out var kept) || row.Ts > kept.Ts)
            {
                newest[row.Target] = row;
            }
        }

        return newest.Values.OrderBy(r => r.Ts).Take(limit).ToList();
    }

    /// <summary>
    /// Null when the script's listing (its ids in order) is what these files give; otherwise where
    /// they part. The module relies on its own reading only while the two agree.
    /// </summary>
    public string? Disagreement(IReadOnlyList<string> listedIds)
    {
        ArgumentNullException.ThrowIfNull(listedIds);
        for (var i = 0; i < listedIds.Count; i++)
        {
            if (i >= Pending.Count || Pending[i].Id != listedIds[i])
            {
                return $"row {i + 1}: the script lists '{listedIds[i]}', the files give '{(i < Pending.Count ? Pending[i].Id : "nothing")}'";
            }
        }

        return listedIds.Count < ListCap && Pending.Count > listedIds.Count
            ? $"the script lists {listedIds.Count}, the files give {Pending.Count}"
            : null;
    }

    [GeneratedRegex("\r\n|\n|\r")]
    private static partial Regex LineBreak();

    private bool IsPending(string id) => !_handled.Contains(id);

    /// <summary>A receipt that ends a proposal: applied, failed, or skipped because the value was already there.</summary>
    private static bool IsFinal(JsonElement receipt) => ProposalRecord.TextOrEmpty(receipt, "result") switch
    {
        "applied" or "failed" => true,
        "skipped" => ProposalRecord.TextOrEmpty(receipt, "failure_reason") == "already_at_proposed",
        _ => false,
    };

    private static IEnumerable<JsonElement> Objects(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            JsonElement element;
            try
            {
                using var document = PythonJson.Parse(PythonText.Strip(line));
                element = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            if (element.ValueKind == JsonValueKind.Object)
            {
                yield return element;
            }
        }
    }

    /// <summary>The file's lines as Python's text mode gives them (UTF-8, a BOM kept as text, \r\n, \n or \r ending a line).</summary>
    private static string[] Lines(string path)
    {
        try
        {
            return File.Exists(path) ? LineBreak().Split(StrictUtf8.GetString(File.ReadAllBytes(path))) : [];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new OperatorException(ErrorIds.AdvisorFilesUnreadable, ErrorCategory.ReadError, $"The advisor file '{path}' cannot be read ({error.Message}). Nothing was applied.", path, error);
        }
    }
}
