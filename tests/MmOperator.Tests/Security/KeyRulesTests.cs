using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MmOperator.Tests.Security;

public class KeyRulesTests
{
    [Theory]
    [InlineData("MM_DESK_WEBHOOK")]
    [InlineData("mm_desk_webhook")]
    [InlineData(" MM_DESK_WEBHOOK\t")]
    [InlineData("ＭＭ＿ＤＥＳＫ＿ＷＥＢＨＯＯＫ")]
    [InlineData("MM_DESK\u200B_WEBHOOK")]
    public void A_key_the_repo_protects_is_protected_in_every_spelling(string key) =>
        Assert.True(new KeyRules(["MM_DESK_WEBHOOK"]).IsProtected(key));

    [Fact]
    public void The_runbook_rule_alone_does_not_know_the_repos_keys() => Assert.False(KeyRules.Runbook.IsProtected("MM_DESK_WEBHOOK"));

    [Theory]
    [InlineData(" MM_VAULT_ID")]
    [InlineData("MM_VAULT_ID\n")]
    [InlineData("mm_builder_id")]
    public void A_padded_or_lower_case_runbook_key_is_protected(string key) => Assert.True(KeyRules.Runbook.IsProtected(key));

    [Theory]
    [InlineData("MM_ENVIRONMENT", "MM_ENVIRONMENT")]
    [InlineData(" mm_environment ", "MM_ENVIRONMENT")]
    [InlineData("ＭＭ＿ＭＡＲＫＥＴ＿ＮＡＭＥ", "MM_MARKET_NAME")]
    [InlineData("MM_SPREAD_MULTIPLIER", null)]
    public void Human_only_keys_are_found_in_every_spelling(string key, string? humanOnly) => Assert.Equal(humanOnly, KeyRules.HumanOnlyKey(key));

    [Fact]
    public void Protection_comes_before_every_other_answer() =>
        Assert.Equal(KeyVerdict.Protected, new KeyRules(["MM_ENVIRONMENT"]).Verdict("MM_ENVIRONMENT", allowNonMmKey: true));

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("ld_preload")]
    [InlineData("ＬＤ＿ＰＲＥＬＯＡＤ")]
    [InlineData("GCONV_PATH")]
    [InlineData("LOCPATH")]
    [InlineData("LC_ALL")]
    [InlineData("PYTHONPATH")]
    [InlineData("PYTHONSTARTUP")]
    [InlineData("PERL5OPT")]
    [InlineData("RUBYOPT")]
    [InlineData("NODE_OPTIONS")]
    [InlineData("JAVA_TOOL_OPTIONS")]
    [InlineData("DOTNET_STARTUP_HOOKS")]
    [InlineData("BASH_ENV")]
    [InlineData("ENV")]
    [InlineData("IFS")]
    [InlineData("HOME")]
    [InlineData("PATH")]
    [InlineData("TMPDIR")]
    [InlineData("TZDIR")]
    [InlineData("NLSPATH")]
    [InlineData("HOSTALIASES")]
    [InlineData("GLIBC_TUNABLES")]
    [InlineData("MALLOC_ARENA_MAX")]
    [InlineData("OPENSSL_CONF")]
    [InlineData("SSL_CERT_FILE")]
    [InlineData("REQUESTS_CA_BUNDLE")]
    [InlineData("GIT_SSH_COMMAND")]
    public void A_key_that_changes_how_a_process_loads_code_is_refused_even_when_non_MM_keys_are_allowed(string key) =>
        Assert.Equal(KeyVerdict.Loader, KeyRules.Runbook.Verdict(key, allowNonMmKey: true));

    [Fact]
    public void None_of_the_bots_settings_is_a_loader_key()
    {
        using var stream = typeof(KeyRules).Assembly.GetManifestResourceStream("MmOperator.EnvFiles.bot-settings.json")!;
        var keys = System.Text.Json.JsonDocument.Parse(stream).RootElement.GetProperty("settings").EnumerateObject().Select(p => p.Name).Where(k => k.StartsWith("MM_", StringComparison.Ordinal)).ToList();

        Assert.True(keys.Count > 100, $"read {keys.Count} settings");
        Assert.All(keys.Append("EXTENDED_ENV").Append("EXTENDED_API_BASE"), key => Assert.NotEqual(KeyVerdict.Loader, KeyRules.Runbook.Verdict(key, allowNonMmKey: true)));
    }
}

/// <summary>The secret words of an MM_ key (issue 19): caught in every spelling, and none of the bot's ordinary keys caught.</summary>
public partial class SecretWordTests
{
    [Theory]
    [InlineData("MM_HMAC_KEY")]
    [InlineData("MM_STARK_KEY")]
    [InlineData("MM_VAULT")]
    [InlineData("MM_VAULT_ID_SUB")]
    [InlineData("MM_PRIVATE_SEED")]
    [InlineData("MM_CLIENTSECRET")]
    [InlineData("mm_hmac_key")]
    [InlineData("MM_HMACKEY")]
    [InlineData("Mm_ClientSecret")]
    [InlineData(" MM_VAULT\t")]
    [InlineData("ＭＭ＿ＶＡＵＬＴ")]
    [InlineData("MM_VA\u200BULT")]
    [InlineData("MM_DB_PASS")]
    [InlineData("MM_WALLET_SEED")]
    [InlineData("MM_WALLETMNEMONIC")]
    [InlineData("MM_AUTH_TOKEN")]
    [InlineData("MM_EXCHANGE_CREDENTIALS")]
    [InlineData("MM_BYPASS_PASSWORD")]
    [InlineData("MM_PASSIVEKEY")]
    public void A_secret_word_anywhere_in_a_word_of_an_MM_key_makes_it_secret_like(string key) =>
        Assert.Equal(KeyVerdict.Protected, KeyRules.Runbook.Verdict(key, allowNonMmKey: true));

    [Theory]
    [InlineData("MM_PASSIVE_FILL_RATIO")]
    [InlineData("MM_BYPASS_GUARD")]
    [InlineData("MM_CREDIT_LIMIT_USD")]
    [InlineData("MM_BUILDER_FEE_RATE")]
    [InlineData("SORT_KEY")]
    public void An_ordinary_word_or_a_key_outside_MM_holding_a_secret_word_is_not_secret_like(string key) =>
        Assert.False(KeyRules.Runbook.IsProtected(key));

    [Fact]
    public void Free_text_that_uses_a_secret_word_as_an_ordinary_word_is_shown_as_it_is() =>
        Assert.Equal("sort key: price; passive=true", SecretMasker.HideAssignments("sort key: price; passive=true"));

    /// <summary>
    /// The bot's 121 settings, the shipped env.example files and the policy files: only the runbook's five
    /// protected keys are protected, so no ordinary key is hidden or refused.
    /// </summary>
    [Fact]
    public void Of_the_bots_settings_and_the_shipped_key_lists_only_the_runbooks_keys_are_protected()
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "src", "MmOperator", "EnvFiles", "bot-settings.json")))!["settings"]!.AsObject().Select(p => p.Key).ToList();
        var examples = new[] { Path.Combine(TestPaths.Fixtures, "env.example"), Path.Combine(TestPaths.RepoRoot, "src", "MmOperator", "Sandbox", "Resources", "templates", "env.example") }
            .SelectMany(File.ReadAllLines).Select(line => EnvLine().Match(line)).Where(m => m.Success).Select(m => m.Groups["key"].Value);
        var policies = new[] { TestPaths.PolicyFixtures, Path.Combine(TestPaths.RepoRoot, "src", "MmOperator", "Sandbox", "Resources", "Code", "MM", "mm_config", "policy") }
            .SelectMany(dir => Directory.GetFiles(dir, "*.json")).Select(file => JsonNode.Parse(File.ReadAllText(file))!)
            .SelectMany(node => node is JsonArray list ? list.Select(k => (string)k!) : node.AsObject().Select(p => p.Key));
        var keys = settings.Concat(examples).Concat(policies).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(121, settings.Count);
        Assert.True(keys.Count > 121);
        Assert.Equal(KeyRules.RunbookKeys.Order(StringComparer.Ordinal), keys.Where(KeyRules.Runbook.IsProtected).Order(StringComparer.Ordinal));
    }

    /// <summary>A key line of an env.example, commented out or not.</summary>
    [GeneratedRegex("^#?\\s*(?<key>[A-Z_][A-Z0-9_]*)=")]
    private static partial Regex EnvLine();
}
