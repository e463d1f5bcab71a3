using MmOperator.Security;

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
