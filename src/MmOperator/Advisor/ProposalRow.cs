using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using MmOperator.EnvFiles;
using MmOperator.Reporting;
using MmOperator.Runbook;

namespace MmOperator.Advisor;

/// <summary>
/// One proposal to submit, checked and normalised before the submit script sees it: an existing
/// market (written as its symbol), a param that is neither protected nor secret-like nor one only a
/// human may change (MM_ENVIRONMENT, MM_MARKET_NAME), a proposed value the .env file can hold
/// faithfully within bounds.json, and only the fields the module understands (no env_file path, no
/// free-form extras).
/// </summary>
public sealed partial record ProposalRow(string Market, string Param, string Proposed, string? Reason, string Confidence, string EscalationTarget, bool Deadman)
{
    /// <summary>The markets the submit script accepts (rule S7: an upper-case symbol).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z0-9_.-]+\\z")]
    private static partial System.Text.RegularExpressions.Regex AdvisorSymbol();

    private static readonly string[] Confidences = ["low", "medium", "high"];
    private static readonly string[] Targets = ["human", "warren"];
    private static readonly HashSet<string> Fields = ["market", "param", "proposed", "reason", "confidence", "escalation_target", "deadman"];

    /// <summary>A refused field or key name is quoted up to the longest accepted one (EscalationTarget).</summary>
    private const int LongestFieldName = 17;

    /// <summary>The row as one JSON line for mm_advisor_submit.py.</summary>
    public string ToJsonLine() => new JsonObject
    {
        ["market"] = Market,
        ["param"] = Param,
        ["proposed"] = Proposed,
        ["reason"] = Reason ?? string.Empty,
        ["confidence"] = Confidence,
        ["escalation_target"] = EscalationTarget,
        ["deadman"] = Deadman,
    }.ToJsonString();

    /// <summary>Every field, as a Plan shows the row.</summary>
    public string Describe() =>
        $"{Market} {Param} -> '{Proposed}' (confidence {Confidence}, escalation_target {EscalationTarget}, deadman {(Deadman ? "true" : "false")}, reason '{Reason}')";

    /// <summary>The keys a hashtable row may have (the parameter names and their aliases, any case) and the field each fills.</summary>
    private static readonly Dictionary<string, string> TableKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Market"] = "market", ["Param"] = "param", ["Key"] = "param", ["Name"] = "param", ["Proposed"] = "proposed", ["Value"] = "proposed",
        ["Reason"] = "reason", ["Confidence"] = "confidence", ["EscalationTarget"] = "escalation_target", ["Deadman"] = "deadman",
    };

    /// <summary>
    /// A row given as a hashtable keyed by the parameter names: what a ConstrainedLanguage session (the
    /// agent's) can build and pipe, where [pscustomobject] is refused. Unknown keys are refused.
    /// </summary>
    public static ProposalRow FromTable(System.Collections.IDictionary table, string where, MarketCatalog catalog, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(table);
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in table)
        {
            var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            var field = TableKeys.GetValueOrDefault(name) ?? throw Refused(where, $"key '{VisibleText.QuoteName(name, LongestFieldName)}' is not accepted (only Market, Param, Proposed, Reason, Confidence, EscalationTarget, Deadman)");
            fields[field] = entry.Value is null ? null : Convert.ToString(entry.Value, CultureInfo.InvariantCulture);
        }

        return Create(fields.GetValueOrDefault("market"), fields.GetValueOrDefault("param"), fields.GetValueOrDefault("proposed"), fields.GetValueOrDefault("reason"), fields.GetValueOrDefault("confidence"), fields.GetValueOrDefault("escalation_target"), fields.GetValueOrDefault("deadman")?.ToLowerInvariant(), where, catalog, policy);
    }

    /// <summary>Parses one line of a proposals file; <paramref name="where"/> names it in refusals.</summary>
    public static ProposalRow FromJson(string line, string where, MarketCatalog catalog, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(line);
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException error)
        {
            throw Refused(where, $"it is not a JSON object ({error.Message})");
        }

        if (row.Select(p => p.Key).FirstOrDefault(k => !Fields.Contains(k)) is { } extra)
        {
            throw Refused(where, $"field '{VisibleText.QuoteName(extra, LongestFieldName)}' is not accepted (only {string.Join(", ", Fields)}; the market names the env file)");
        }

        return Create(Text(row["market"]), Text(row["param"]), Text(row["proposed"]), Text(row["reason"]), Text(row["confidence"]), Text(row["escalation_target"]), Text(row["deadman"]), where, catalog, policy);
    }

    public static ProposalRow Create(string? market, string? param, string? proposed, string? reason, string? confidence, string? escalationTarget, string? deadman, string where, MarketCatalog catalog, RepoPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(policy);
        var key = param ?? string.Empty;
        if (policy.Keys.IsProtected(key))
        {
            throw new OperatorException(ErrorIds.ProtectedKey, ErrorCategory.PermissionDenied, $"protected_key: {where} proposes '{VisibleText.QuoteName(key, EnvKeyPolicy.MaxLength)}', a protected or secret-like key. Nothing was submitted.", where);
        }

        if (ProposalPolicy.HumanOnly(key, $"{where} proposes a change to", "Nothing was submitted.", where) is { } humanOnly)
        {
            throw humanOnly;
        }

        MarketEntry entry;
        try
        {
            entry = catalog.Resolve(MmOperator.Markets.Market.Parse(market));
        }
        catch (OperatorException refusal)
        {
            throw new OperatorException(refusal.ErrorId, refusal.Category, $"{where}: {refusal.Message} Nothing was submitted.", where, refusal);
        }

        var symbol = entry.Symbol ?? entry.Slug;
        if (!AdvisorSymbol().IsMatch(symbol))
        {
            throw Refused(where, $"the advisor's submit script takes only upper-case symbols (A-Z, 0-9, '_', '.', '-'), and {entry.EnvFileName} trades {symbol}. Change that market directly with Set-MmEnvParam -Market {entry.Slug} (with approval)");
        }

        if (string.IsNullOrEmpty(proposed))
        {
            throw Refused(where, "it proposes no value");
        }

        try
        {
            ProposalPolicy.CheckParam(key, proposed, policy);
        }
        catch (OperatorException refusal)
        {
            throw new OperatorException(refusal.ErrorId, refusal.Category, $"{where}: {refusal.Message} Nothing was submitted.", where, refusal);
        }

        var level = Choice(confidence ?? "medium", Confidences, "confidence", where);
        var target = Choice(escalationTarget ?? "human", Targets, "escalation_target", where);
        var isDeadman = deadman is null || deadman.Length == 0 ? false
            : bool.TryParse(deadman, out var flag) ? flag
            : throw Refused(where, "deadman must be true or false");
        var note = reason is null ? null : ReasonPolicy.Validate(reason);
        return new ProposalRow(symbol, key, proposed!, note, level, target, isDeadman);
    }

    private static string Choice(string value, string[] allowed, string field, string where) =>
        allowed.Contains(value, StringComparer.Ordinal) ? value : throw Refused(where, $"{field} must be one of {string.Join(", ", allowed)}");

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag ? "true" : "false",
        JsonValue value when value.TryGetValue<double>(out var number) => number.ToString(CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };

    private static OperatorException Refused(string where, string why) =>
        new(ErrorIds.InvalidProposalRow, ErrorCategory.InvalidArgument, $"{where} is refused: {why}. Nothing was submitted.", where);
}
