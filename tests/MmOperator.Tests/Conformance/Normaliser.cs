using System.Text.RegularExpressions;

namespace MmOperator.Tests.Conformance;

/// <summary>
/// Puts placeholders where a run may differ from the recording, exactly where the scenario's
/// <c>volatile</c> list says, and nowhere else. One instance per side (the recording or this run), fed in
/// the same order (stdout, then files by path), so that pids get the same placeholder on both sides: a
/// setup bot's pid is "&lt;setup pid N&gt;" wherever it appears, a new one "&lt;new pid N&gt;".
/// </summary>
public sealed partial class Normaliser
{
    private readonly Varies _varies;
    private readonly string? _recordedRoot;
    private readonly string _root;
    private readonly Dictionary<string, string> _pids = new(StringComparer.Ordinal);
    private int _newPids;

    /// <param name="scenario">The scenario whose volatile list applies.</param>
    /// <param name="root">This run's sandbox root.</param>
    /// <param name="setupPids">The setup's pids on this side, in the order of the scenario's running list.</param>
    /// <param name="recorded">True for the recording's side: its /home/operator becomes <paramref name="root"/>.</param>
    public Normaliser(Scenario scenario, string root, IReadOnlyList<long> setupPids, bool recorded)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(setupPids);
        _varies = scenario.Volatile.Aggregate(Varies.None, (all, entry) => all | (Known.TryGetValue(entry, out var varies)
            ? varies
            : throw new InvalidOperationException($"{scenario.FileName}: volatile entry the comparison does not know: {entry}")));
        _recordedRoot = recorded ? Scenario.RecordedRoot : null;
        _root = root;
        for (var i = 0; i < setupPids.Count; i++)
        {
            _pids.TryAdd(setupPids[i].ToString(System.Globalization.CultureInfo.InvariantCulture), $"<setup pid {i + 1}>");
        }
    }

    [Flags]
    private enum Varies
    {
        None = 0,
        Pids = 1,
        StatusTime = 2,
        ProposalEpoch = 4,
        FileTimes = 8,
        AppliedTime = 16,
        TracebackDetail = 32,
    }

    /// <summary>Every entry of the recordings' volatile lists, and what it makes vary. Durations are checked apart.</summary>
    private static readonly Dictionary<string, Varies> Known = new(StringComparer.Ordinal)
    {
        ["$.stdout_json.generated_at"] = Varies.StatusTime,
        ["$.stdout_json..pid"] = Varies.Pids,
        ["regex:stdout:\"generated_at\": \"[^\"]+\""] = Varies.StatusTime,
        ["regex:stdout:\"pid\": \\d+"] = Varies.Pids,
        ["regex:stdout:pid=\\d+"] = Varies.Pids,
        ["$.setup.running[*].pid"] = Varies.Pids,
        ["$.setup.files['Code/MM/data/pids/*.pid'].content (bare pid of a bot started in setup)"] = Varies.Pids,
        ["$.files_after['Code/MM/data/pids/*.pid'].content"] = Varies.Pids,
        ["$.duration_s (except stop-ignores-sigint: ~30-31 s is the point)"] = Varies.None,
        ["regex:stdout+files:[A-Z0-9_]+-\\d{10}-manual-[A-Z0-9_]+(-\\d+)? (generated proposal ids embed int(time))"] = Varies.ProposalEpoch,
        ["regex:files:\"ts\": [0-9.]+"] = Varies.FileTimes,
        ["regex:files:\"created_at\": \"[^\"]+\""] = Varies.FileTimes,
        ["$.duration_s"] = Varies.None,
        ["stderr line numbers/paths inside the traceback (compare the last line only)"] = Varies.TracebackDetail,
        ["$.stdout_json.results[*].applied_ts"] = Varies.AppliedTime,
        ["regex:files:\"applied_ts\": [0-9.e+]+"] = Varies.AppliedTime,
        ["regex:changelog rows:\"ts\": [0-9.e+]+ and \"created_at\": \"[^\"]+\" (apply time)"] = Varies.FileTimes,
        // Rows a pre-step wrote are laid out exactly as recorded: the same on both sides.
        ["$.setup.files (receipts/changelog rows produced by a pre-step: applied_ts/ts/created_at)"] = Varies.None,
        ["$.duration_s (except lock-timeout scenarios: ~10 s is the point)"] = Varies.None,
        ["env hashes are NOT volatile: sha256 of the exact env bytes"] = Varies.None,
    };

    public string Stdout(string text)
    {
        text = Rooted(text);
        if (_varies.HasFlag(Varies.Pids))
        {
            text = StdoutPid().Replace(text, m => m.Groups["label"].Value + Pid(m.Groups["pid"].Value));
        }

        if (_varies.HasFlag(Varies.StatusTime))
        {
            text = GeneratedAt().Replace(text, "\"generated_at\": \"<utc time>\"");
        }

        return Shared(text);
    }

    public string Stderr(string text)
    {
        text = Rooted(text);
        // A traceback's frames name files and lines of the real code; its last line says what happened.
        return _varies.HasFlag(Varies.TracebackDetail) ? text.TrimEnd('\n').Split('\n')[^1] : text;
    }

    /// <summary>A created or modified file's content; <paramref name="path"/> is relative to the root.</summary>
    public string File(string path, string content)
    {
        ArgumentNullException.ThrowIfNull(path);
        content = Rooted(content);
        if (_varies.HasFlag(Varies.Pids) && path.StartsWith("Code/MM/data/pids/", StringComparison.Ordinal) && path.EndsWith(".pid", StringComparison.Ordinal))
        {
            content = BarePid().Replace(content, m => m.Groups["before"].Value + Pid(m.Groups["pid"].Value) + m.Groups["after"].Value);
        }

        if (_varies.HasFlag(Varies.FileTimes))
        {
            content = RowTime().Replace(content, "\"ts\": <time>");
            content = CreatedAt().Replace(content, "\"created_at\": \"<utc time>\"");
        }

        return Shared(content);
    }

    /// <summary>What varies in stdout and files alike.</summary>
    private string Shared(string text)
    {
        if (_varies.HasFlag(Varies.ProposalEpoch))
        {
            text = ProposalEpoch().Replace(text, "<epoch>");
        }

        return _varies.HasFlag(Varies.AppliedTime) ? AppliedTs().Replace(text, "\"applied_ts\": <time>") : text;
    }

    private string Rooted(string text) => _recordedRoot is null ? text : text.Replace(_recordedRoot, _root, StringComparison.Ordinal);

    private string Pid(string pid)
    {
        if (!_pids.TryGetValue(pid, out var token))
        {
            token = $"<new pid {++_newPids}>";
            _pids[pid] = token;
        }

        return token;
    }

    [GeneratedRegex("(?<label>\"pid\": |pid=)(?<pid>\\d+)")]
    private static partial Regex StdoutPid();

    /// <summary>The pid of a pid file; the whitespace around it still counts (the host writes none).</summary>
    [GeneratedRegex("^(?<before>\\s*)(?<pid>\\d+)(?<after>\\s*)$")]
    private static partial Regex BarePid();

    [GeneratedRegex("\"generated_at\": \"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\"")]
    private static partial Regex GeneratedAt();

    [GeneratedRegex("\"created_at\": \"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\"")]
    private static partial Regex CreatedAt();

    [GeneratedRegex("\"ts\": [0-9.e+]+")]
    private static partial Regex RowTime();

    [GeneratedRegex("\"applied_ts\": [0-9.e+]+")]
    private static partial Regex AppliedTs();

    /// <summary>Only the epoch inside a generated id: its market and param slugs and its -2, -3 suffix still count.</summary>
    [GeneratedRegex("(?<=[A-Z0-9_]-)\\d{10}(?=-manual-[A-Z0-9_]+)")]
    private static partial Regex ProposalEpoch();
}
