using System.Globalization;
using System.Text.Json;

namespace MmOperator.EnvFiles;

/// <summary>
/// One risk change: what a tired person could do by a slip of the finger (a limit 1000 times larger, a
/// guard turned off). Approving it takes a second, explicit confirmation that names <see cref="What"/>.
/// </summary>
/// <param name="What">x1000, x0.01, to 0, from 0, guard off, breaker off, removed.</param>
public sealed record RiskChange(string Key, string? Before, string? After, string What)
{
    /// <summary>The market, where the flag's context does not name it already (an advisor proposal).</summary>
    public string? Market { get; init; }

    /// <summary>The flag a Plan, a prompt and an approval request show: RISK: MM_MAX_POSITION_SIZE x1000 ('100' -> '100000').</summary>
    public string Flag => $"RISK: {(Market is null ? string.Empty : Market + " ")}{Key} {What} ({Reporting.RunbookText.Value(Before)} -> {Reporting.RunbookText.Value(After)})";

    public override string ToString() => Flag;
}

/// <summary>
/// Which keys are risk limits, breakers and guards: the module's shipped risk-policy.json, with a repo's
/// <c>mm_config/policy/risk_keys.json</c> (same shape) on top. A repo can add keys, never remove one.
/// </summary>
public sealed class RiskPolicy
{
    /// <summary>A change by this factor or more, either way, is a risk change.</summary>
    public const double Factor = 10;

    private readonly HashSet<string> _limits;
    private readonly Dictionary<string, double?> _breakers;
    private readonly HashSet<string> _guards;

    private RiskPolicy(HashSet<string> limits, Dictionary<string, double?> breakers, HashSet<string> guards)
    {
        _limits = limits;
        _breakers = breakers;
        _guards = guards;
    }

    /// <summary>The module's own policy, without a repo's additions.</summary>
    public static RiskPolicy Shipped { get; } = LoadShipped();

    public bool IsRiskKey(string key) => _limits.Contains(key) || _breakers.ContainsKey(key) || _guards.Contains(key);

    private static RiskPolicy LoadShipped()
    {
        using var stream = typeof(RiskPolicy).Assembly.GetManifestResourceStream("MmOperator.EnvFiles.risk-policy.json")
            ?? throw new InvalidOperationException("The risk policy is missing from the module.");
        using var document = JsonDocument.Parse(stream);
        return new RiskPolicy([], [], []).With(document.RootElement);
    }

    /// <summary>This policy with the keys of one more policy object added (the shape of risk-policy.json; every part optional).</summary>
    internal RiskPolicy With(JsonElement more)
    {
        var limits = new HashSet<string>(_limits, StringComparer.Ordinal);
        var breakers = new Dictionary<string, double?>(_breakers, StringComparer.Ordinal);
        var guards = new HashSet<string>(_guards, StringComparer.Ordinal);
        if (more.TryGetProperty("limits", out var limitKeys))
        {
            limits.UnionWith(limitKeys.EnumerateArray().Select(Key));
        }

        if (more.TryGetProperty("breakers", out var breakerKeys))
        {
            foreach (var breaker in breakerKeys.EnumerateObject())
            {
                breakers[breaker.Name] = breaker.Value.TryGetProperty("offAtOrAbove", out var off) ? off.GetDouble() : breakers.GetValueOrDefault(breaker.Name);
            }
        }

        if (more.TryGetProperty("guards", out var guardKeys))
        {
            guards.UnionWith(guardKeys.EnumerateArray().Select(Key));
        }

        return new RiskPolicy(limits, breakers, guards);
    }

    private static string Key(JsonElement key) => key.GetString() ?? throw new FormatException("a key is null");

    /// <summary>
    /// Whether changing <paramref name="key"/> from <paramref name="before"/> to <paramref name="after"/>
    /// (null: absent, removed) is a risk change; null when it is an ordinary edit. Values are in the host's
    /// form (already checked); a value that is not a number is compared as text only where that matters.
    /// </summary>
    public RiskChange? Assess(string key, string? before, string? after)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!IsRiskKey(key) || string.Equals(before, after, StringComparison.Ordinal))
        {
            return null;
        }

        if (after is null)
        {
            // The bot then reads the shared .env or its own default: nobody at the prompt knows which.
            // A guard that is off already turns nothing off by going.
            return before is null || (_guards.Contains(key) && IsOff(before)) ? null : new RiskChange(key, before, after, "removed");
        }

        if (_guards.Contains(key))
        {
            return IsOff(after) && !IsOff(before) ? new RiskChange(key, before, after, "guard off") : null;
        }

        if (Number(after) is not { } next)
        {
            return null;
        }

        if (_breakers.GetValueOrDefault(key) is { } off && next >= off && !(Number(before) >= off))
        {
            return new RiskChange(key, before, after, $"breaker off (at {off.ToString(CultureInfo.InvariantCulture)} or more it never trips)");
        }

        return Number(before) switch
        {
            null when next == 0 => new RiskChange(key, before, after, "to 0"),
            null => null,
            0 => new RiskChange(key, before, after, "from 0"),
            _ when next == 0 => new RiskChange(key, before, after, "to 0"),
            { } previous when Math.Max(next / previous, previous / next) >= Factor => new RiskChange(key, before, after, "x" + (next / previous).ToString("G4", CultureInfo.InvariantCulture)),
            _ => null,
        };
    }

    /// <summary>A guard's value that turns it off, as the host reads a bool (false, 0).</summary>
    private static bool IsOff(string? value) => HostValueForm.Flag(value ?? string.Empty) == "false";

    private static double? Number(string? value) =>
        value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;
}
