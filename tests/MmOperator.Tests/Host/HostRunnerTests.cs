using System.Diagnostics;

namespace MmOperator.Tests.Host;

/// <summary>The runner against real processes: a shell script stands where mmctl would be.</summary>
public sealed class HostRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly IReadOnlyDictionary<string, string> Plain = HostEnvironment.Build(UserAccount.Current, new Dictionary<string, string>(), []);

    private HostCommand Script(string body)
    {
        var path = _dir.Write("mmctl", "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = OperatorOptions.Defaults(_dir.Path, null) with { MmctlPath = path, RepoPath = _dir.Path };
        return HostCommand.MmctlStatus(options);
    }

    [Fact]
    public async Task A_command_whose_stop_came_before_it_started_never_starts()
    {
        // A market still waiting for its turn when Ctrl+C came: mmctl must not start a bot and be killed after.
        var marker = Path.Combine(_dir.Path, "started");
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        var run = await HostRunner.RunAsync(Script($"touch '{marker}'"), Plain, TimeSpan.FromSeconds(20), stopped.Token);

        Assert.Equal(HostRunStatus.Cancelled, run.Status);
        Assert.False(File.Exists(marker));
        Assert.EndsWith("never ran: the user stopped the command before it started.", Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(run)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_leads_a_session_of_its_own_so_a_terminals_Ctrl_C_never_reaches_it()
    {
        // The terminal signals its foreground process group; a session leader of its own is outside it.
        var run = await HostRunner.RunAsync(Script("echo $$ $(cut -d' ' -f6 /proc/$$/stat)"), Plain, TimeSpan.FromSeconds(20), CancellationToken.None);

        var (pid, session) = run.StdOut.Split(' ', StringSplitOptions.TrimEntries) switch { [var p, var s] => (p, s), _ => (run.StdOut, string.Empty) };
        Assert.Equal(pid, session);
    }

    [Fact]
    public async Task It_captures_stdout_stderr_exit_code_and_passes_arguments_unsplit()
    {
        var run = await HostRunner.RunAsync(Script("printf '%s|' \"$@\"; echo oops >&2; exit 7"), Plain, TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(HostRunStatus.Completed, run.Status);
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("status|--json|", run.StdOut);
        Assert.Equal("oops\n", run.StdErr);
    }

    [Fact]
    public async Task The_child_gets_exactly_the_environment_it_is_given_and_nothing_of_this_process()
    {
        var given = new Dictionary<string, string> { ["PATH"] = HostEnvironment.FixedPath, ["HOME"] = "/home/op", ["HTTPS_PROXY"] = "http://proxy:3128" };
        Environment.SetEnvironmentVariable("LD_MMOP_TEST", "/tmp/evil.so");
        Environment.SetEnvironmentVariable("MMOP_TEST_PLAIN", "plain");
        try
        {
            // dash adds PWD to whatever it was given; everything else printed is what the child got.
            var run = await HostRunner.RunAsync(Script("env | grep -v '^PWD=' | sort"), given, TimeSpan.FromSeconds(20), CancellationToken.None);

            Assert.Equal(given.Select(v => $"{v.Key}={v.Value}").Order(StringComparer.Ordinal), run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LD_MMOP_TEST", null);
            Environment.SetEnvironmentVariable("MMOP_TEST_PLAIN", null);
        }
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_process_tree()
    {
        var pidFile = Path.Combine(_dir.Path, "child.pid");
        var command = Script($"sleep 300 & echo $! > '{pidFile}'; wait");
        var clock = Stopwatch.StartNew();

        var run = await HostRunner.RunAsync(command, Plain, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(HostRunStatus.TimedOut, run.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await WaitUntil(() => !IsLiveProcess(child));
        Assert.False(IsLiveProcess(child), $"child {child} survived the timeout");
    }

    [Fact]
    public async Task Cancellation_is_reported_as_cancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var run = await HostRunner.RunAsync(Script("sleep 300"), Plain, TimeSpan.FromSeconds(60), cancel.Token);

        Assert.Equal(HostRunStatus.Cancelled, run.Status);
    }

    [Fact]
    public async Task A_missing_executable_is_not_started()
    {
        var options = OperatorOptions.Defaults(_dir.Path, null) with { RepoPath = _dir.Path };

        var run = await HostRunner.RunAsync(HostCommand.MmctlStatus(options), Plain, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(HostRunStatus.NotStarted, run.Status);
        Assert.False(string.IsNullOrEmpty(run.StartError));
    }

    [Fact]
    public async Task Output_beyond_the_cap_is_drained_not_kept()
    {
        var run = await HostRunner.RunAsync(Script("head -c 12000000 /dev/zero | tr '\\0' x"), Plain, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(HostRunStatus.Completed, run.Status);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(HostRunner.MaxCapturedBytes, run.StdOut.Length);
    }

    private static bool IsLiveProcess(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        return File.Exists(stat) && File.ReadAllText(stat).Split(')')[^1].Trim()[0] != 'Z';
    }

    /// <summary>Until the condition holds, 60 s at most: a backstop for a loaded machine.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(100);
        }
    }
}
