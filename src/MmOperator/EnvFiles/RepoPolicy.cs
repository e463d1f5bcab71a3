using System.Text.Json;
using MmOperator.IO;
using MmOperator.Security;

namespace MmOperator.EnvFiles;

/// <summary>
/// A key's type and bounds, from the bot's settings model (shipped with the module) or from a repo's
/// <c>mm_config/policy/bounds.json</c>: type, min/max (exclusive where the model says gt/lt), the
/// allowed values of an enumeration, and whether the bot lower-cases the value before checking it.
/// </summary>
public sealed record KeyBounds(string Type, double? Min, double? Max)
{
    public bool MinExclusive { get; init; }

    public bool MaxExclusive { get; init; }

    public IReadOnlyList<string>? Allowed { get; init; }

    public bool LowerCased { get; init; }

    /// <summary>One entry of a bounds-style JSON object (the shipped settings and bounds.json share the shape).</summary>
    internal static KeyBounds Parse(JsonElement rule) => new(
        rule.TryGetProperty("type", out var type) ? type.GetString() ?? "string" : "string",
        rule.TryGetProperty("min", out var min) ? min.GetDouble() : null,
        rule.TryGetProperty("max", out var max) ? max.GetDouble() : null)
    {
        MinExclusive = rule.TryGetProperty("minExclusive", out var minExclusive) && minExclusive.GetBoolean(),
        MaxExclusive = rule.TryGetProperty("maxExclusive", out var maxExclusive) && maxExclusive.GetBoolean(),
        Allowed = rule.TryGetProperty("allowed", out var allowed) ? allowed.EnumerateArray().Select(a => a.GetString()!).ToList() : null,
        LowerCased = rule.TryGetProperty("lowerCased", out var lowerCased) && lowerCased.GetBoolean(),
    };

    public bool Equals(KeyBounds? other) =>
        other is not null && Type == other.Type && Min == other.Min && Max == other.Max && MinExclusive == other.MinExclusive
        && MaxExclusive == other.MaxExclusive && LowerCased == other.LowerCased
        && (Allowed ?? []).SequenceEqual(other.Allowed ?? [], StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Type, Min, Max, MinExclusive, MaxExclusive, LowerCased);
}

/// <summary>
/// The rules a .env value must meet: what the bot's settings model accepts (shipped with the module,
/// <see cref="Settings"/>) and the repo's own policy files on top: whitelist.json (keys the advisor
/// may change), bounds.json (type and min/max per key, optionally allowed values) and
/// protected_keys.json (more protected keys); and which keys are risk limits, breakers and guards
/// (<see cref="RiskPolicy"/>, with risk_keys.json's additions). A missing repo file is an empty policy; a malformed one
/// is an error, so a broken policy never silently allows more.
/// </summary>
public sealed class RepoPolicy
{
    private RepoPolicy(IReadOnlySet<string> whitelist, IReadOnlyDictionary<string, KeyBounds> bounds, KeyRules keys, RiskPolicy risk)
    {
        Whitelist = whitelist;
        Bounds = bounds;
        Keys = keys;
        Risk = risk;
    }

    public IReadOnlySet<string> Whitelist { get; }

    public IReadOnlyDictionary<string, KeyBounds> Bounds { get; }

    /// <summary>The key rule with this repo's protected_keys.json on top of the runbook's.</summary>
    public KeyRules Keys { get; }

    /// <summary>The shipped risk keys with this repo's risk_keys.json on top.</summary>
    public RiskPolicy Risk { get; }

    /// <summary>What the bot's settings model accepts for each MM_ key it reads; a value outside it stops the bot from starting.</summary>
    public static IReadOnlyDictionary<string, KeyBounds> Settings { get; } = LoadSettings();

    private static Dictionary<string, KeyBounds> LoadSettings()
    {
        using var stream = typeof(RepoPolicy).Assembly.GetManifestResourceStream("MmOperator.EnvFiles.bot-settings.json")
            ?? throw new InvalidOperationException("The bot settings policy is missing from the module.");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("settings").EnumerateObject().ToDictionary(p => p.Name, p => KeyBounds.Parse(p.Value), StringComparer.Ordinal);
    }

    public static RepoPolicy Load(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        var whitelist = PolicyFile.Read(repoPath, "whitelist.json", e => e.EnumerateArray().Select(k => k.GetString()!).ToHashSet(StringComparer.Ordinal), new HashSet<string>());
        var bounds = PolicyFile.Read(repoPath, "bounds.json", e => e.EnumerateObject().ToDictionary(p => p.Name, p => KeyBounds.Parse(p.Value), StringComparer.Ordinal), new Dictionary<string, KeyBounds>());
        var risk = PolicyFile.Read(repoPath, "risk_keys.json", RiskPolicy.Shipped.With, RiskPolicy.Shipped);
        return new RepoPolicy(whitelist, bounds, KeyRules.Load(repoPath), risk);
    }
}
