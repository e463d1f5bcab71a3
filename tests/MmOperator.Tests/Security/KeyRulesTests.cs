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
}
