namespace MmOperator.Tests.Approvals;

public sealed class ApprovalStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ApprovalRequest Request(string owner, string value = "1") => new()
    {
        Cmdlet = "Set-MmEnvParam",
        Action = "set",
        Target = "MM_X in .env.eth",
        Reason = "r",
        Plan = $"Plan: set MM_X to {value}",
        Binding = value,
        Requester = $"{owner} pid 42 (ConstrainedLanguage)",
    };

    [Fact]
    public void A_flood_of_requests_stops_at_the_limit_per_account_and_files_nothing_more()
    {
        var store = new ApprovalStore(_dir.Path);
        for (var i = 0; i < ApprovalStore.DefaultPendingLimit; i++)
        {
            store.File(Request("agent@host"), TimeSpan.FromMinutes(30));
        }

        var refused = Assert.Throws<OperatorException>(() => store.File(Request("agent@host"), TimeSpan.FromMinutes(30)));

        Assert.Equal("ApprovalRequestLimit", refused.ErrorId);
        Assert.Equal(ApprovalStore.DefaultPendingLimit, store.List().Count());
        Assert.StartsWith("other@host ", store.File(Request("other@host"), TimeSpan.FromMinutes(30)).Requester, StringComparison.Ordinal);
    }

    [Fact]
    public void Decided_and_expired_requests_no_longer_count_against_the_limit()
    {
        var store = new ApprovalStore(_dir.Path, pendingLimit: 1);
        var first = store.File(Request("agent@host"), TimeSpan.FromMinutes(30));
        store.Decide(first.Id, approve: false, "desk");
        store.File(Request("agent@host"), TimeSpan.FromMilliseconds(1));
        Thread.Sleep(20);

        store.File(Request("agent@host"), TimeSpan.FromMinutes(30));

        Assert.Equal(3, store.List().Count());
    }

    [Fact]
    public void Requests_finished_longer_ago_than_the_retention_are_deleted_and_usable_ones_kept()
    {
        var store = new ApprovalStore(_dir.Path);
        var stale = store.File(Request("agent@host", "stale"), TimeSpan.FromDays(-2));
        var used = store.File(Request("agent@host", "used"), TimeSpan.FromMinutes(30));
        store.Decide(used.Id, approve: true, "desk");
        store.Consume(used.Id, "used");
        var pending = store.File(Request("agent@host", "pending"), TimeSpan.FromMinutes(30));

        store.File(Request("agent@host", "next"), TimeSpan.FromMinutes(30));

        var left = store.List().Select(r => r.Id).ToList();
        Assert.DoesNotContain(stale.Id, left);
        Assert.Contains(used.Id, left);
        Assert.Contains(pending.Id, left);
        Assert.False(File.Exists(Path.Combine(_dir.Path, stale.Id + ".json")));
    }

    [Fact]
    public void A_used_ticket_is_deleted_once_the_retention_has_passed()
    {
        var store = new ApprovalStore(_dir.Path, retention: TimeSpan.Zero);
        var used = store.File(Request("agent@host", "used"), TimeSpan.FromMinutes(30));
        store.Decide(used.Id, approve: true, "desk");
        store.Consume(used.Id, "used");

        var next = store.File(Request("agent@host", "later"), TimeSpan.FromMinutes(30));

        Assert.Equal([next.Id], store.List().Select(r => r.Id));
    }
}
