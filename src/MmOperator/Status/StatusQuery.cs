using MmOperator.Host;
using MmOperator.Options;

namespace MmOperator.Status;

/// <summary>
/// The one status query of every view and check (Get-MmStatus, Get-MmMarket, Get-MmHealth, Watch-MmMarket,
/// Wait-MmMarket, Get-MmLog, Invoke-MmAction status, a playbook's status step, the check after a change
/// and before a start): it builds and runs <c>mmctl status [&lt;m&gt;] --json</c>, reads the answer, and
/// corrects it by the process table (<see cref="ProcessTruth"/>: Crashed, Orphaned, old settings), each
/// instance keeping what the host misreads in its file (its Problem). Nothing else builds that command or
/// reads its answer, so no two views can tell a market's state differently.
/// </summary>
public sealed class StatusQuery
{
    private readonly OperatorOptions _options;
    private readonly Func<HostCommand, HostRunResult> _run;

    /// <param name="run">Runs the command: on the pipeline thread, shown with -Verbose; on a market's own thread, writing nothing.</param>
    public StatusQuery(OperatorOptions options, ProcessTruth truth, Func<HostCommand, HostRunResult> run)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Truth = truth ?? throw new ArgumentNullException(nameof(truth));
        _run = run ?? throw new ArgumentNullException(nameof(run));
    }

    public ProcessTruth Truth { get; }

    /// <summary>The command a read of one market, or of every instance (null), runs: what a -WhatIf Plan shows.</summary>
    public HostCommand Command(MarketEntry? market) =>
        market is null ? HostCommand.MmctlStatus(_options) : HostCommand.MmctlStatus(_options, market);

    /// <summary>
    /// One read: the run and its corrected instances, or why mmctl gave no usable answer. A listing of every
    /// instance also gives each market whose live bot mmctl no longer lists (its stop failed), asked about by
    /// name, so it reads exactly as a read of that market does.
    /// </summary>
    public StatusAnswer Ask(MarketEntry? market)
    {
        var run = _run(Command(market));
        try
        {
            var report = Truth.Correct(StatusReader.ReadReport(run, Truth.Catalog));
            return new StatusAnswer(run, market is null ? WithUnlisted(report) : report, null);
        }
        catch (HostCommandException failure)
        {
            return new StatusAnswer(run, null, failure);
        }
    }

    /// <summary>The instances of one market, or every instance; throws <see cref="HostCommandException"/> when mmctl gave no usable answer.</summary>
    public IReadOnlyList<MarketStatus> Read(MarketEntry? market) => Ask(market).Instances;

    /// <summary>The market's one instance (mmctl lists exactly one for a market asked by name); throws when there is none.</summary>
    public MarketStatus One(MarketEntry market)
    {
        ArgumentNullException.ThrowIfNull(market);
        var answer = Ask(market);
        return answer.Instances is [var status, ..] ? status : throw HostResultReader.Invalid(answer.Run, "it lists no instance for the market asked about");
    }

    /// <summary>Every market of the catalog with its true state, from one listing (<see cref="MarketOverview"/>).</summary>
    public IReadOnlyList<MarketStatus> Overview()
    {
        var answer = Ask(null);
        return MarketOverview.Build(answer.Report ?? throw answer.Failure!, Truth.Catalog);
    }

    private StatusReport WithUnlisted(StatusReport listing)
    {
        var unlisted = Truth.Unlisted(listing);
        if (unlisted.Count == 0)
        {
            return listing;
        }

        var asked = unlisted.Select(slug => Truth.Catalog.FindBySlug(slug) is { } entry ? One(entry) : Truth.OrphanWithoutFile(slug, listing.GeneratedAt));
        return listing with { Instances = [.. listing.Instances, .. asked] };
    }
}

/// <summary>One <c>mmctl status</c> run and what it says: its corrected <see cref="Report"/>, or the <see cref="Failure"/> to read it.</summary>
public sealed record StatusAnswer(HostRunResult Run, StatusReport? Report, HostCommandException? Failure)
{
    /// <summary>The corrected instances; throws the <see cref="Failure"/> when mmctl gave no usable answer.</summary>
    public IReadOnlyList<MarketStatus> Instances => Report?.Instances ?? throw Failure!;
}
