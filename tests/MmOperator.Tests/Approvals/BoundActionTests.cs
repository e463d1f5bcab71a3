using MmOperator.Runbook;

namespace MmOperator.Tests.Approvals;

public class BoundActionTests
{
    private static BoundAction Set(string value, string reason = "new hook") => new()
    {
        Cmdlet = "Set-MmEnvParam",
        Action = "set",
        Target = "MM_NOTE in /repo/.env.eth",
        Key = "MM_NOTE",
        Values = [value],
        Reason = reason,
        Plan = "the same Plan",
    };

    [Fact]
    public void Two_actions_with_the_same_plan_but_another_value_never_share_a_ticket()
    {
        Assert.NotEqual(Set("hooks.example.com/desk").Binding(), Set("evil.example.net/x").Binding());
        Assert.Equal(Set("hooks.example.com/desk").Binding(), Set("hooks.example.com/desk").Binding());
        Assert.NotEqual(Set("1").Binding(), (Set("1") with { Commands = ["mmctl stop eth --json"] }).Binding());
    }

    [Theory]
    [InlineData("webhook_secret=hooks.example.com/desk", "new hook")]
    [InlineData("x=MM_API_KEY=abc", "new hook")]
    [InlineData("1", "rotate, \"MM_WEBHOOK_SECRET\": \"abc\"")]
    public void A_value_or_reason_that_could_only_be_shown_masked_is_refused(string value, string reason)
    {
        var refusal = Set(value, reason).Unshowable();

        Assert.Equal(ErrorIds.SecretLikeValue, refusal?.ErrorId);
        Assert.DoesNotContain("hooks.example.com", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_shown_as_typed_are_accepted() => Assert.Null(Set("1.5", "SEV1: drawdown; spread=wider").Unshowable());

    [Fact]
    public void A_key_protected_only_by_the_repo_policy_is_unshowable_by_the_repo_rule()
    {
        var repo = new KeyRules(["MM_DESK_WEBHOOK"]);

        Assert.Null(Set("MM_DESK_WEBHOOK=hooks.example.com/desk", "new hook").Unshowable());
        Assert.Equal(ErrorIds.SecretLikeValue, Set("MM_DESK_WEBHOOK=hooks.example.com/desk", "new hook").Unshowable(repo)?.ErrorId);
        Assert.Equal(ErrorIds.SecretLikeValue, Set("1", "rotate MM_DESK_WEBHOOK=hooks.example.com/desk").Unshowable(repo)?.ErrorId);
        var refusal = Assert.Throws<OperatorException>(() => ReasonPolicy.Validate("rotate MM_DESK_WEBHOOK=hooks.example.com/desk", repo));
        Assert.DoesNotContain("hooks.example.com", refusal.Message, StringComparison.Ordinal);
        Assert.Equal("MM_DESK_WEBHOOK=********", SecretMasker.HideAssignments("MM_DESK_WEBHOOK=hooks.example.com/desk", repo));
    }
}
