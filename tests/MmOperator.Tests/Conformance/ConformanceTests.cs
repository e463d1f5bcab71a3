using System.Globalization;

namespace MmOperator.Tests.Conformance;

/// <summary>
/// The sandbox's stand-ins against the recorded real host: every scenario in tests/fixtures/conformance is
/// laid out on a fresh sandbox and run through the stand-in, and its stdout (exact text), stderr, exit code,
/// file effects (each file created, modified or removed, with mode and content), folders created and bots
/// alive afterwards must be what was recorded, once the recording's volatile parts are normalised. When they
/// differ, the stand-in is wrong, never the recording.
/// </summary>
/// <remarks>
/// The cases are dealt to a few lanes, one test class (and so one parallel collection) each, balanced by the
/// recorded durations, so that the 30 s stop and the 10 s lock timeouts overlap with everything else.
/// </remarks>
public abstract class ConformanceLane<TLane>
    where TLane : IConformanceLane
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "xUnit reads theory data from a static member; each lane's closed type has its own.")]
    public static TheoryData<string> Scenarios => new(ConformanceLanes.Of(TLane.Index));

    [ScenarioTheory]
    [MemberData(nameof(Scenarios))]
    public async Task Reproduces(string scenario)
    {
        var recorded = Scenario.Load(scenario);
        using var run = await ScenarioRun.PrepareAsync(recorded);
        var observed = await run.RunAsync();

        var expected = new Normaliser(recorded, run.Root, recorded.Running.Select(b => b.Pid).ToList(), recorded: true);
        var actual = new Normaliser(recorded, run.Root, run.SetupPids, recorded: false);
        var differences = new List<string>();
        Compare(differences, "stdout", expected.Stdout(recorded.Stdout), actual.Stdout(observed.Stdout));
        Compare(differences, "stderr", expected.Stderr(recorded.Stderr), actual.Stderr(observed.Stderr));
        Compare(differences, "exit code", Text(recorded.ExitCode), Text(observed.ExitCode));
        Compare(differences, "files created, modified or removed",
            Render(recorded.FilesAfter.ToDictionary(f => f.Key, f => new FileChange(f.Value.Change, f.Value.Mode, f.Value.Content)), expected),
            Render(observed.Files, actual));
        Compare(differences, "folders created", string.Join('\n', recorded.DirsCreated.Order(StringComparer.Ordinal)), string.Join('\n', observed.DirsCreated));
        Compare(differences, "bots alive after", Text(recorded.BotsAliveAfter), Text(observed.BotsAlive));
        // Where the time is the point: stop's one-second checks (30 of them for a bot that ignores SIGINT),
        // restart's pause, apply's 10 s lock timeout. Shorter runs are not timed.
        var seconds = observed.Duration.TotalSeconds;
        if (recorded.DurationSeconds >= 1.0 && (seconds < recorded.DurationSeconds - 0.5 || seconds > recorded.DurationSeconds + 3))
        {
            differences.Add($"duration: recorded {Text(recorded.DurationSeconds)} s, took {Text(seconds)} s (allowed -0.5 s to +3 s)");
        }

        Assert.True(differences.Count == 0, $"{scenario} ({recorded.Program[^1]} {string.Join(' ', recorded.Argv)}) differs from the recording:\n\n" + string.Join("\n\n", differences));
    }

    private static void Compare(List<string> differences, string what, string recorded, string observed)
    {
        if (!string.Equals(recorded, observed, StringComparison.Ordinal))
        {
            var at = recorded.Zip(observed).TakeWhile(pair => pair.First == pair.Second).Count();
            differences.Add($"{what} (first difference at character {at}):\n--- recorded\n{recorded}\n--- stand-in\n{observed}");
        }
    }

    /// <summary>The changes as one text, by path, content normalised (after stdout: pid placeholders are numbered in that order).</summary>
    private static string Render(IReadOnlyDictionary<string, FileChange> files, Normaliser normaliser) =>
        string.Join("\n", files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f =>
            $"== {f.Key}: {f.Value.Change} {f.Value.Mode}\n{(f.Value.Content is null ? string.Empty : normaliser.File(f.Key, f.Value.Content))}"));

    private static string Text(double value) => value.ToString("0.0#", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A lane of the conformance cases: its index among <see cref="ConformanceLanes.Count"/>.</summary>
public interface IConformanceLane
{
    static abstract int Index { get; }
}

/// <summary>Deals the scenarios to the lanes: longest recorded duration first, each to the lane with the least so far.</summary>
public static class ConformanceLanes
{
    public const int Count = 4;

    /// <summary>What a case costs besides its recorded duration (processes started, sandbox laid out).</summary>
    private const double Overhead = 0.3;

    private static readonly Lazy<List<string>[]> Dealt = new(() =>
    {
        var loads = new double[Count];
        var lanes = Enumerable.Range(0, Count).Select(_ => new List<string>()).ToArray();
        foreach (var (name, seconds) in Scenario.FileNames.Select(n => (n, Scenario.Load(n).DurationSeconds)).OrderByDescending(s => s.DurationSeconds))
        {
            var lightest = Array.IndexOf(loads, loads.Min());
            loads[lightest] += seconds + Overhead;
            lanes[lightest].Add(name);
        }

        return lanes.Select(l => l.Order(StringComparer.Ordinal).ToList()).ToArray();
    });

    public static IReadOnlyList<string> Of(int lane) => Dealt.Value[lane];
}

public sealed class ConformanceLane1 : ConformanceLane<ConformanceLane1>, IConformanceLane
{
    public static int Index => 0;
}

public sealed class ConformanceLane2 : ConformanceLane<ConformanceLane2>, IConformanceLane
{
    public static int Index => 1;
}

public sealed class ConformanceLane3 : ConformanceLane<ConformanceLane3>, IConformanceLane
{
    public static int Index => 2;
}

public sealed class ConformanceLane4 : ConformanceLane<ConformanceLane4>, IConformanceLane
{
    public static int Index => 3;
}
