using System.Globalization;
using MmOperator.Lifecycle;

namespace MmOperator.Status;

/// <summary>
/// How <see cref="StatusQuery"/> corrects mmctl's answer by the process table.
/// mmctl knows only its pid files and asks only whether a pid exists, so it calls a zombie (a bot that
/// died and was never reaped) running, and forgets a bot whose stop failed (it removes the pid file
/// anyway). Here a running market whose pid has exited is Crashed, and a market with a live bot mmctl
/// does not track is Orphaned: found in the process table (a <c>python -m market_maker</c> whose ENV or
/// command line names the market's file) or remembered by <see cref="OrphanStore"/>, matched by pid and
/// start time. Without a readable /proc mmctl's word stands.
/// </summary>
public sealed class ProcessTruth
{
    /// <summary>How long a person gives a bot to end on SIGTERM before SIGKILL (mmctl itself gives SIGINT 30 s first).</summary>
    public const int TermGraceSeconds = 10;

    public ProcessTruth(MarketCatalog catalog, ProcessTable table, OrphanStore store)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(store);
        Catalog = catalog;
        Table = table;
        Store = store;
    }

    public MarketCatalog Catalog { get; }

    public ProcessTable Table { get; }

    public OrphanStore Store { get; }

    /// <summary>mmctl's instances as they truly are (only <see cref="StatusQuery"/> reads mmctl's answer and asks this).</summary>
    public StatusReport Correct(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var live = LiveBots();
        return report with { Instances = report.Instances.Select(s => WithSettingsAge(Correct(s, live))).ToList() };
    }

    /// <summary>The markets of live bots that a listing leaves out: mmctl removed their pid files (a failed stop), so it lists them no more.</summary>
    public IReadOnlyList<string> Unlisted(StatusReport listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var listed = listing.Instances.Select(s => s.Slug).ToHashSet(StringComparer.Ordinal);
        return LiveBots().Select(b => b.Market).Where(m => !listed.Contains(m)).Distinct().ToList();
    }

    /// <summary>Whether any live bot of the market runs (tracked by mmctl or not): only then is mmctl asked before a start.</summary>
    public bool HasLiveBot(MarketEntry market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return LiveBots().Any(b => b.Market == market.Slug);
    }

    /// <summary>
    /// The pid in the market's pid file when that process has exited but is not reaped yet (a zombie):
    /// mmctl would call it running, answer a start with already_running and wait out its 30 s of checks
    /// on a stop. Read from the host's layout (data/pids/&lt;controller id&gt;.pid, the bare pid), as mmctl reads it.
    /// </summary>
    public int? UnreapedPid(MarketEntry market)
    {
        ArgumentNullException.ThrowIfNull(market);
        var pidFile = Path.Combine(Catalog.RepoPath, "data", "pids", StatusReader.ControllerIdOf(market) + ".pid");
        try
        {
            return File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Table.Find(pid) is { HasExited: true }
                ? pid
                : null;
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Keeps a bot that outlived a stop, by pid and start time; nothing when the pid is already gone.</summary>
    public void Remember(MarketEntry market, int pid, MarketAction action)
    {
        ArgumentNullException.ThrowIfNull(market);
        if (Table.Find(pid) is { HasExited: false } process)
        {
            Store.Add(new OrphanRecord(market.Slug, pid, process.StartTicks, DateTime.UtcNow, action.Name()), Table);
        }
    }

    /// <summary>The exact commands a person runs on the host to end a bot mmctl cannot stop (the module runs none of them).</summary>
    public static string EndCommands(int pid) => string.Create(
        CultureInfo.InvariantCulture,
        $"check it is the bot with `ps -o pid=,lstart=,args= -p {pid}` (a python -m market_maker), end it with `kill -TERM {pid}`, and if the same check still shows it {TermGraceSeconds} s later, `kill -KILL {pid}`; it is gone when the check prints nothing");

    private MarketStatus Correct(MarketStatus status, IReadOnlyList<LiveBot> live)
    {
        var exited = status.State == MarketState.Running && status.Pid is { } pid && Table.IsReadable && Table.Find(pid) is not { HasExited: false };
        var tracked = status.State == MarketState.Running && !exited ? status.Pid : null;
        var orphans = live.Where(b => b.Market == status.Slug && b.Pid != tracked).ToList();
        if (orphans.Count > 0)
        {
            var beside = tracked is { } own ? string.Create(CultureInfo.InvariantCulture, $" beside mmctl's bot (pid {own})") : string.Empty;
            return status.Corrected(MarketState.Orphaned, orphans[0].Pid, OrphanNote(orphans) + beside);
        }

        return exited
            ? status.Corrected(MarketState.Crashed, status.Pid, string.Create(CultureInfo.InvariantCulture, $"stale pid file: pid {status.Pid} has exited, but its parent has not reaped it (a zombie), so mmctl still calls it running"))
            : status;
    }

    /// <summary>
    /// A running bot whose env file or the shared .env was written after it started runs on the old
    /// settings until restarted; within <see cref="StartTimeTolerance"/> of its start a write counts as before it.
    /// </summary>
    private MarketStatus WithSettingsAge(MarketStatus status)
    {
        if (status.State != MarketState.Running || status.Pid is not { } pid || Catalog.FindBySlug(status.Slug) is not { } entry
            || Table.StartedAt(pid) is not { } started)
        {
            return status;
        }

        var changed = new[] { entry.EnvFilePath, Path.Combine(Catalog.RepoPath, ".env") }
            .Select(file => (File: file, Written: File.GetLastWriteTimeUtc(file)))
            .Where(f => f.Written > started + StartTimeTolerance)
            .ToList();
        if (changed.Count == 0)
        {
            return status;
        }

        var files = string.Join(" and ", changed.Select(f => string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f.File)} at {f.Written:yyyy-MM-dd HH:mm:ss}Z")));
        var note = $"settings changed since the bot started ({files}): it runs on the old ones until Restart-MmMarket {status.Slug}";
        return status.Corrected(status.State, pid, note, settingsChanged: true);
    }

    /// <summary>How far a start time read from /proc may be off (its clock ticks and the boot time are in hundredths).</summary>
    private static readonly TimeSpan StartTimeTolerance = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A live bot's market that a listing leaves out and the catalog no longer has (its file is gone or
    /// not a market file now): mmctl cannot be asked about it by name, so it is made from the process table.
    /// </summary>
    public MarketStatus OrphanWithoutFile(string slug, DateTime generatedAt)
    {
        var orphans = LiveBots().Where(b => b.Market == slug).ToList();
        return new MarketStatus
        {
            Market = slug,
            Slug = slug,
            State = MarketState.Orphaned,
            Pid = orphans[0].Pid,
            ControllerId = StatusReader.ControllerIdOf(slug),
            GeneratedAt = generatedAt,
            Note = OrphanNote(orphans),
        };
    }

    private static string OrphanNote(IReadOnlyList<LiveBot> orphans)
    {
        var pids = string.Join(", ", orphans.Select(o => o.Pid.ToString(CultureInfo.InvariantCulture)));
        var origin = orphans.Select(o => o.Origin).FirstOrDefault(o => o is not null) ?? "found in the process table";
        return $"pid {pids} lives without mmctl knowing it ({origin}); a human ends it on the host: kill -TERM {orphans[0].Pid}";
    }

    /// <summary>Live bots of this repo's markets: those the store remembers (still the same process), then those the process table shows.</summary>
    private List<LiveBot> LiveBots()
    {
        if (!Table.IsReadable)
        {
            return [];
        }

        var bots = Store.List().Where(r => r.StillRuns(Table))
            .Select(r => new LiveBot(r.Market, r.Pid, string.Create(CultureInfo.InvariantCulture, $"left by a failed {r.Action} at {r.RecordedAt:yyyy-MM-dd HH:mm:ss}Z")))
            .ToList();
        foreach (var bot in Table.Bots())
        {
            if (MarketOf(bot.EnvFile) is { } slug && !bots.Any(b => b.Pid == bot.Pid))
            {
                bots.Add(new LiveBot(slug, bot.Pid, null));
            }
        }

        return bots;
    }

    /// <summary>The market slug of an env file in this repo, else null (another repo's bot is not ours).</summary>
    private string? MarketOf(string envFile) =>
        SameFolder(Path.GetDirectoryName(envFile), Catalog.RepoPath) && MarketCatalog.IsMarketFileName(Path.GetFileName(envFile), out var slug) ? slug : null;

    private static bool SameFolder(string? a, string b) =>
        a is not null && string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    private sealed record LiveBot(string Market, int Pid, string? Origin);
}
