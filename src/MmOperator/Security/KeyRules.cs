using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MmOperator.IO;

namespace MmOperator.Security;

/// <summary>What the module makes of a key, strictest first: the first that applies wins.</summary>
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
public enum KeyVerdict
{
    /// <summary>Protected or secret-like: never shown, never changed here.</summary>
    Protected,

    /// <summary>Only a human changes it (MM_ENVIRONMENT, MM_MARKET_NAME).</summary>
    HumanOnly,

    /// <summary>A key that changes how a process loads code (<see cref="LoaderKeys"/>): never written to a .env file, with any option.</summary>
    Loader,

    /// <summary>Not a key the host accepts (^[A-Z_][A-Z0-9_]*$, at most <see cref="KeyRules.MaxLength"/>).</summary>
    Invalid,

    /// <summary>A valid key outside MM_, allowed only when a person explicitly asks.</summary>
    NonMm,

    /// <summary>An MM_ key (or an allowed other key) that may be changed with approval.</summary>
    Allowed,
}

/// <summary>
/// The one rule for keys, used by editing, masking, listing and the advisor cmdlets: the runbook's five
/// protected keys, the repo's mm_config/policy/protected_keys.json, the secret-like markers (and for MM_
/// keys the secret words), and the keys only a human changes. A key is judged as given and once folded (compatibility forms, invisible
/// characters, surrounding whitespace, case), and the stricter answer wins: a look-alike, padded or
/// lower-case spelling of a key is judged as the key it imitates (the host trims keys when it reads a
/// file, and its apply script matches secret markers in any case).
/// </summary>
public sealed partial class KeyRules
{
    public const int MaxLength = 128;

    public static readonly IReadOnlyList<string> RunbookKeys =
        ["MM_API_KEY", "MM_STARK_PRIVATE_KEY", "MM_STARK_PUBLIC_KEY", "MM_VAULT_ID", "MM_BUILDER_ID"];

    /// <summary>
    /// Secret-like in any key, as the runbook and the host's scripts say (<c>PRIVATE_KEY</c>, <c>_SECRET</c>,
    /// <c>PASSPHRASE</c>, <c>MNEMONIC</c>, <c>_API_KEY</c>), and the same secrets spelled otherwise.
    /// </summary>
    public static readonly IReadOnlyList<string> SecretMarkers =
        ["PRIVATE_KEY", "PRIVATEKEY", "_SECRET", "PASSPHRASE", "MNEMONIC", "_API_KEY", "APIKEY", "PASSWORD", "PASSWD", "TOKEN"];

    /// <summary>
    /// Secret-like in an MM_ key wherever they stand in one of its words (MM_HMAC_KEY, MM_CLIENTSECRET,
    /// MM_VAULT, MM_PRIVATE_SEED). Only in MM_ keys: the module knows every ordinary key of the bot and
    /// none holds one, while in other text (a log's <c>key: value</c>) these words are mostly no secret.
    /// </summary>
    public static readonly IReadOnlyList<string> SecretWordMarkers =
        ["KEY", "SECRET", "PRIVATE", "VAULT", "PASS", "SEED", "MNEMONIC", "TOKEN", "CRED"];

    /// <summary>Ordinary words that hold a marker by accident: a word of a key that is exactly one of them marks nothing.</summary>
    public static readonly IReadOnlyList<string> OrdinaryWords =
        ["BYPASS", "COMPASS", "PASSIVE", "SURPASS", "CREDIT", "CREDITS", "MONKEY", "KEYBOARD"];

    /// <summary>
    /// Keys no operator command or advisor proposal may change: MM_ENVIRONMENT (mainnet means real
    /// money) and MM_MARKET_NAME (it changes what a file trades). Such a change goes to a human.
    /// </summary>
    public static readonly IReadOnlyList<string> HumanOnlyKeys = ["MM_ENVIRONMENT", "MM_MARKET_NAME"];

    /// <summary>How many answers a rule keeps: host output repeats the same few keys, typed text is short.</summary>
    private const int MaxRemembered = 4096;

    private readonly HashSet<string> _protected;

    /// <summary>Answers already given: masking a long status answer asks about the same keys thousands of times.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _answers = new(StringComparer.Ordinal);

    private int _remembered;

    /// <param name="repoProtected">The repo's protected_keys.json entries, on top of the runbook's keys.</param>
    public KeyRules(IEnumerable<string> repoProtected)
    {
        ArgumentNullException.ThrowIfNull(repoProtected);
        _protected = RunbookKeys.Concat(repoProtected).SelectMany(Forms).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The repo's rule: the runbook's keys and its mm_config/policy/protected_keys.json, read alone (for
    /// masking too): a broken bounds.json must not change what is hidden.
    /// </summary>
    public static KeyRules Load(string repoPath) =>
        new(PolicyFile.Read(repoPath, "protected_keys.json", e => e.EnumerateArray().Select(k => k.GetString() ?? throw new FormatException("a key is null")).ToList(), []));

    /// <summary>The runbook's rule alone, for text that belongs to no repo (what the caller typed).</summary>
    public static KeyRules Runbook { get; } = new([]);

    /// <summary>A name the host accepts as a key, and a host command as a variable name.</summary>
    [GeneratedRegex("^[A-Z_][A-Z0-9_]*\\z")]
    internal static partial Regex HostKey();

    /// <summary>The words of a key: what '_' (or any other character a look-alike puts there) separates.</summary>
    [GeneratedRegex("[A-Z0-9]+")]
    private static partial Regex Word();

    /// <summary>True for a protected or secret-like key, as given or as a look-alike.</summary>
    public bool IsProtected(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var answer = Forms(key).Any(IsProtectedForm);
        // ConcurrentDictionary.Count takes every lock: a counter of its own keeps this cheap.
        if (_remembered < MaxRemembered && _answers.TryAdd(key, answer))
        {
            Interlocked.Increment(ref _remembered);
        }

        return answer;
    }

    /// <summary>
    /// A value of the host's files as it is shown, by its key: masked whole for a protected or secret-like
    /// key, as it is for any other. Never by what the value holds: masking the part of it that equals a
    /// secret would tell whoever chose the value that it holds one.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    public string? Shown(string? key, string? value) => value is not null && key is not null && IsProtected(key) ? SecretMasker.Mask : value;

    private bool IsProtectedForm(string form)
    {
        if (_protected.Contains(form))
        {
            return true;
        }

        foreach (var marker in SecretMarkers)
        {
            if (form.Contains(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return HasSecretWord(form);
    }

    /// <summary>An MM_ key with a word that holds a secret word marker and is no ordinary word.</summary>
    private static bool HasSecretWord(string form)
    {
        var words = Word().Matches(form);
        return words.Count > 1 && words[0].Value == "MM" && words.Skip(1).Any(word =>
            !OrdinaryWords.Contains(word.Value) && SecretWordMarkers.Any(marker => word.Value.Contains(marker, StringComparison.Ordinal)));
    }

    /// <summary>True for a key whose change only a human may make, whatever the approval.</summary>
    public static bool IsHumanOnly(string key) => HumanOnlyKey(key) is not null;

    /// <summary>The human-only key this key is or imitates, or null.</summary>
    public static string? HumanOnlyKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Forms(key).Select(form => HumanOnlyKeys.FirstOrDefault(k => k == form)).FirstOrDefault(k => k is not null);
    }

    /// <summary>The module's answer for a key a .env edit or a proposal would change.</summary>
    public KeyVerdict Verdict(string? key, bool allowNonMmKey)
    {
        var text = key ?? string.Empty;
        return IsProtected(text) ? KeyVerdict.Protected
            : IsHumanOnly(text) ? KeyVerdict.HumanOnly
            : Forms(text).Any(LoaderKeys.IsLoaderKey) ? KeyVerdict.Loader
            : text.Length == 0 || text.Length > MaxLength || !HostKey().IsMatch(text) || text == "MM_" ? KeyVerdict.Invalid
            : !allowNonMmKey && !text.StartsWith("MM_", StringComparison.Ordinal) ? KeyVerdict.NonMm
            : KeyVerdict.Allowed;
    }

    /// <summary>The key upper-cased as given, and folded: compatibility forms (full-width), invisible characters dropped, trimmed.</summary>
    private static IEnumerable<string> Forms(string key)
    {
        yield return key.ToUpperInvariant();
        // Printable ASCII without spaces has no other form: folding would give the same key again.
        if (key.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0)
        {
            yield break;
        }

        yield return new string(key.Normalize(NormalizationForm.FormKC).Where(c => !char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format).ToArray()).Trim().ToUpperInvariant();
    }
}
