using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MmOperator.IO;
using MmOperator.Security;

namespace MmOperator.Advisor;

/// <summary>
/// One proposals.jsonl row, or one item of <c>--list-pending</c> (it carries the same keys with the
/// row's raw values), read the way mm_advisor_apply.py reads it (rules A2, A3, A11): the id is
/// Python's <c>str(row.get("proposal_id") or "")</c>, ts a decimal (a numeric string counts; missing
/// or not a number is 0), and warren-auto takes a row only when deadman is exactly JSON true,
/// guardrail_status "passed", confidence "high", escalation_target "warren" and rejected is not true.
/// </summary>
public sealed partial class ProposalRecord
{
    /// <summary>Reads the row; a string JSON allows but .NET cannot read (an unpaired surrogate) throws InvalidOperationException.</summary>
    public ProposalRecord(JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("A proposal row is a JSON object.", nameof(row));
        }

        Id = TextOrEmpty(row, "proposal_id");
        TsValue = row.TryGetProperty("ts", out var ts) ? Decimal(ts) : null;
        Target = (TextOrEmpty(row, "market"), TextOrEmpty(row, "param"));
        Market = Text(row, "market");
        Param = Text(row, "param");
        Old = Text(row, "old");
        Proposed = Text(row, "proposed");
        EnvPath = Text(row, "env_path");
        Confidence = Text(row, "confidence");
        EscalationTarget = Text(row, "escalation_target");
        GuardrailStatus = Text(row, "guardrail_status");
        ReasonNote = Text(row, "reason_note");
        Deadman = Kind(row, "deadman") == JsonValueKind.True;
        IsWarrenAutoEligible = Deadman
            && Kind(row, "guardrail_status") == JsonValueKind.String && GuardrailStatus == "passed"
            && Kind(row, "confidence") == JsonValueKind.String && Confidence == "high"
            && Kind(row, "escalation_target") == JsonValueKind.String && EscalationTarget == "warren"
            && Kind(row, "rejected") != JsonValueKind.True;
    }

    public string Id { get; }

    /// <summary>The ts the script sorts by: 0 when it is missing or not a number.</summary>
    public double Ts => TsValue ?? 0;

    public bool IsWarrenAutoEligible { get; }

    /// <summary>What warren-auto keeps one row of: (market, param) as the script keys them.</summary>
    public (string Market, string Param) Target { get; }

    private double? TsValue { get; }

    private string? Market { get; }

    private string? Param { get; }

    private string? Old { get; }

    private string? Proposed { get; }

    private string? EnvPath { get; }

    private string? Confidence { get; }

    private string? EscalationTarget { get; }

    private string? GuardrailStatus { get; }

    private string? ReasonNote { get; }

    private bool Deadman { get; }

    [GeneratedRegex("^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?\\z")]
    private static partial Regex DecimalText();

    [GeneratedRegex("^[+-]?(inf|infinity)\\z", RegexOptions.IgnoreCase)]
    private static partial Regex InfinityText();

    [GeneratedRegex("^[+-]?s?nan[0-9]*\\z", RegexOptions.IgnoreCase)]
    private static partial Regex NanText();

    /// <summary>
    /// The proposal as shown: its old and proposed values by its key (<see cref="KeyRules.Shown"/>), a protected key's masked whole;
    /// the submitter's reason with any secret-like KEY=value masked (a row the host's own submit script wrote was never checked).
    /// </summary>
    public AdvisorProposal ToProposal(KeyRules keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new AdvisorProposal
        {
            ProposalId = Id,
            Market = Market,
            Param = Param,
            PreviousValue = keys.Shown(Param, Old),
            NewValue = keys.Shown(Param, Proposed),
            EnvPath = EnvPath,
            Deadman = Deadman,
            Confidence = Confidence,
            EscalationTarget = EscalationTarget,
            GuardrailStatus = GuardrailStatus,
            ReasonNote = SecretMasker.HideAssignments(ReasonNote, keys),
            Created = TsValue is > -6e10 and < 2.5e11 ? DateTime.UnixEpoch.AddSeconds(TsValue.Value) : null,
            IsProtected = Param is not null && keys.IsProtected(Param),
            IsWarrenAutoEligible = IsWarrenAutoEligible,
        };
    }

    /// <summary>Python's <c>str(row.get(name) or "")</c>: a false-y value (absent, null, false, 0, "", [], {}) is "".</summary>
    internal static string TextOrEmpty(JsonElement row, string name) => row.TryGetProperty(name, out var value) ? value switch
    {
        { ValueKind: JsonValueKind.Null or JsonValueKind.False } => string.Empty,
        { ValueKind: JsonValueKind.Number } when Decimal(value) == 0 => string.Empty,
        { ValueKind: JsonValueKind.Array } when value.GetArrayLength() == 0 => string.Empty,
        { ValueKind: JsonValueKind.Object } when !value.EnumerateObject().Any() => string.Empty,
        _ => Text(row, name) ?? string.Empty,
    } : string.Empty;

    /// <summary>Python's <c>float(Decimal(str(value)))</c>: null where Decimal refuses the text.</summary>
    internal static double? Decimal(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            return null;
        }

        // Decimal ignores surrounding whitespace and every underscore.
        text = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        return DecimalText().IsMatch(text) ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture)
            : InfinityText().IsMatch(text) ? (text.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity)
            : NanText().IsMatch(text) ? double.NaN
            : null;
    }

    private static JsonValueKind? Kind(JsonElement row, string name) => row.TryGetProperty(name, out var value) ? value.ValueKind : null;

    /// <summary>The value as Python's str() writes it (1.50 as 1.5, 1e2 as 100.0); null when absent or null.</summary>
    private static string? Text(JsonElement row, string name) => row.TryGetProperty(name, out var value) ? value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Number => PythonJson.NumberText(value.GetRawText()),
        _ => value.GetRawText(),
    } : null;
}
