namespace MmOperator.Tests.EnvFiles;

/// <summary>Parameter history from the journal and the host's changelog, and the undo edits made from it.</summary>
public sealed class EnvHistoryTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 12, 4, 10, 0, 0, DateTimeKind.Utc);
    private readonly TempDir _repo = new();

    public void Dispose() => _repo.Dispose();

    private string Changelog => HostChangelog.PathIn(_repo.Path);

    private static AuditRecord Record(string id, string action, string market, string key, string? before, string? after, int minutes, AuditOutcome outcome = AuditOutcome.Succeeded, string? detail = null) =>
        new() { Id = id, Action = action, Market = market, Key = key, PreviousValue = before, NewValue = after, Time = T0.AddMinutes(minutes), Outcome = outcome, User = "ops", Batch = "b-" + id, Reason = "why", Detail = detail };

    private static EnvHistoryEntry Entry(string id, string market, string key, string? before, string? after, int minutes, bool known = true) =>
        new() { Id = id, Market = market, Key = key, Action = after is null ? "remove" : "set", PreviousValue = before, NewValue = after, Time = T0.AddMinutes(minutes), How = EnvHistoryEntry.ModuleEdit, PreviousKnown = known };

    private static double Ts(int minutes) => (T0.AddMinutes(minutes) - DateTime.UnixEpoch).TotalSeconds;

    [Fact]
    public void Only_changes_made_are_listed_oldest_first_and_the_modules_own_changelog_rows_and_applies_are_not_listed_twice()
    {
        HostChangelog.Append(_repo.Path, HostChangelog.Row(new DateTimeOffset(T0.AddMinutes(1)), "ETH-USD", "/r/.env.eth", "MM_A", "1", "2"));
        HostChangelog.Append(_repo.Path, $$"""{"ts": {{Ts(3)}}, "market": "ETH-USD", "agent": "deploy", "source": "manual_tool", "env_after": "/r/.env.eth", "param": "MM_B", "old": null, "new": "5", "reasons": ["manual_env_edit"]}""");
        HostChangelog.Append(_repo.Path, $$"""{"proposal_id": "q-1", "market": "ETH-USD", "param": "MM_C", "old": "1", "proposed": "2", "ts": {{Ts(4)}}, "source": "mm_advisor_apply", "apply_result": "applied", "applied_by": "human"}""");
        HostChangelog.Append(_repo.Path, $$"""{"proposal_id": "q-2", "market": "ETH-USD", "param": "MM_C", "old": "2", "proposed": "3", "ts": "{{Ts(5)}}", "source": "mm_advisor_apply", "apply_result": "applied", "applied_by": "warren_auto"}""");
        HostChangelog.Append(_repo.Path, $$"""{"proposal_id": "q-3", "market": "ETH-USD", "param": "MM_C", "old": "3", "proposed": "4", "ts": {{Ts(6)}}, "source": "mm_advisor_apply", "apply_result": "skipped"}""");
        HostChangelog.Append(_repo.Path, "not json");
        var journal = new[]
        {
            Record("j1", AuditActions.EnvSet, "ETH-USD", "MM_A", "1", "2", 1),
            Record("j0", AuditActions.EnvSet, "ETH-USD", "MM_A", "0", "1", 0, AuditOutcome.Refused),
            Record("j2", AuditActions.AdvisorApprove, "ETH-USD", "MM_C", "1", "2", 4, detail: "q-1: applied; sha256 a -> b"),
            Record("j3", AuditActions.EnvRemove, ".env", "MM_D", "x", null, 2),
        };

        var history = EnvHistory.Read(journal, Changelog, SecretMasker.None);

        Assert.Equal(["j1", "j3", "changelog:2", "j2", "changelog:4"], history.Select(e => e.Id));
        Assert.Equal([EnvHistoryEntry.ModuleEdit, EnvHistoryEntry.ModuleEdit, EnvHistoryEntry.ManualEdit, EnvHistoryEntry.AdvisorApply, EnvHistoryEntry.AdvisorApply], history.Select(e => e.How));
        Assert.Equal(("deploy", "manual_env_edit", (string?)null, "5"), (history[2].User, history[2].Reason, history[2].PreviousValue, history[2].NewValue));
        Assert.Equal(("warren_auto", "2", "3", T0.AddMinutes(5)), (history[4].User, history[4].PreviousValue, history[4].NewValue, history[4].Time));
        Assert.Equal("remove", history[1].Action);
    }

    [Fact]
    public void A_secret_keys_values_are_masked_and_a_secret_value_under_another_key_too()
    {
        HostChangelog.Append(_repo.Path, $$"""{"ts": 1, "market": "ETH-USD", "source": "manual", "param": "MM_API_KEY", "old": "sk-old", "new": "sk-new"}""");
        HostChangelog.Append(_repo.Path, $$"""{"ts": 2, "market": "ETH-USD", "source": "manual", "param": "MM_NOTE", "old": null, "new": "sk-live-secret-99"}""");

        var history = EnvHistory.Read([], Changelog, new SecretMasker(["sk-live-secret-99"]));

        Assert.Equal((SecretMasker.Mask, SecretMasker.Mask), (history[0].PreviousValue, history[0].NewValue));
        Assert.False(history[0].PreviousKnown);
        Assert.DoesNotContain("sk-live-secret-99", history[1].NewValue, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_take_market_forms_keys_times_and_batches()
    {
        var history = new[] { Entry("a", "ETH-USD", "MM_A", "1", "2", 0), Entry("b", "BTC-USD", "MM_B", "1", "2", 5), Entry("c", ".env", "MM_LOG_LEVEL", "INFO", "DEBUG", 10) };

        Assert.Equal(["a"], EnvHistory.Where(history, new(Markets: ["eth"])).Select(e => e.Id));
        Assert.Equal(["a"], EnvHistory.Where(history, new(Markets: [".env.eth"])).Select(e => e.Id));
        Assert.Equal(["c"], EnvHistory.Where(history, new(Markets: [".env"])).Select(e => e.Id));
        Assert.Equal(["b"], EnvHistory.Where(history, new(Keys: ["mm_b*"])).Select(e => e.Id));
        Assert.Equal(["b"], EnvHistory.Where(history, new(Since: T0.AddMinutes(5), Until: T0.AddMinutes(9))).Select(e => e.Id));
    }

    [Fact]
    public void Undo_puts_back_the_value_before_the_first_change_of_each_key_and_removes_a_key_that_was_absent()
    {
        var history = new[] { Entry("a", "ETH-USD", "MM_A", "1", "2", 0), Entry("b", "ETH-USD", "MM_A", "2", "3", 1), Entry("c", "ETH-USD", "MM_NEW", null, "9", 2) };

        var requests = EnvUndo.Requests(history, history, "revert", false, false, (_, value) => value);

        Assert.Equal(2, requests.Count);
        Assert.Equal(("MM_A", "set", "1", "undo a, b: revert"), (requests[0].Name, requests[0].Action, requests[0].NewValue("MM_A"), requests[0].Reason));
        Assert.Equal(("remove", (string?)null), (requests[1].Action, requests[1].NewValue("MM_NEW")));
        requests[0].CheckCurrent!("MM_A", "3");
        requests[0].CheckCurrent!("MM_A", "1");
    }

    [Fact]
    public void Undo_of_a_key_changed_since_is_refused_unless_forced_and_an_unknown_before_is_refused()
    {
        var history = new[] { Entry("a", "ETH-USD", "MM_A", "1", "2", 0), Entry("b", "ETH-USD", "MM_A", "2", "3", 1), Entry("c", "ETH-USD", "MM_C", null, "4", 2, known: false) };

        var first = Assert.Single(EnvUndo.Requests(history, [history[0]], "r", false, false, (_, value) => value));
        var since = Assert.Throws<OperatorException>(() => first.CheckCurrent!("MM_A", "3"));
        Assert.Equal(ErrorIds.EnvUndoSuperseded, since.ErrorId);
        Assert.Contains("b (module edit", since.Message, StringComparison.Ordinal);
        var byHand = Assert.Single(EnvUndo.Requests(history, [history[1]], "r", false, false, (_, value) => value));
        Assert.Contains("holds '7'", Assert.Throws<OperatorException>(() => byHand.CheckCurrent!("MM_A", "7")).Message, StringComparison.Ordinal);
        Assert.Single(EnvUndo.Requests(history, [history[0]], "r", false, true, (_, value) => value)).CheckCurrent!("MM_A", "3");
        var unknown = Assert.Single(EnvUndo.Requests(history, [history[2]], "r", false, false, (_, value) => value));
        Assert.Equal(ErrorIds.EnvUndoUnknownBefore, Assert.Throws<OperatorException>(() => unknown.NewValue("MM_C")).ErrorId);
    }
}
