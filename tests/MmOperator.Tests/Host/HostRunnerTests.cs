using System.Diagnostics;
using MmOperator.Host;
using MmOperator.Options;
using MmOperator.Tests.Support;

namespace MmOperator.Tests.Host;

/// <summary>The runner against real processes: a shell script stands where mmctl would be.</summary>
public sealed class HostRunnerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private HostCommand Script(string body)
    {
        var path = _dir.Write("mmctl", "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var options = OperatorOptions.Defaults(_dir.Path, null) with { MmctlPath = path, RepoPath = _dir.Path };
        return HostCommand.MmctlStatus(options);
    }

    [Fact]
    public void A_child_loses_code_injecting_variables_and_in_the_agents_session_gets_the_launchers_PATH()
    {
        var agent = new System.Collections.Hashtable { ["PATH"] = "/nonexistent", ["MMOPERATOR_HOST_PATH"] = "/usr/bin:/bin", ["MMOPERATOR_AGENT"] = "sudo:agent", ["LD_PRELOAD"] = "/tmp/x.so", ["HOME"] = "/home/op" };
        Assert.Equal(new Dictionary<string, string?> { ["LD_PRELOAD"] = null, ["PATH"] = "/usr/bin:/bin", ["MMOPERATOR_HOST_PATH"] = null }, HostRunner.ChildEnvironment(agent));

        // Outside the launcher the variable means nothing: a person's PATH is theirs.
        var person = new System.Collections.Hashtable { ["PATH"] = "/usr/bin", ["MMOPERATOR_HOST_PATH"] = "/tmp/evil", ["PYTHONPATH"] = "/tmp" };
        Assert.Equal(new Dictionary<string, string?> { ["PYTHONPATH"] = null }, HostRunner.ChildEnvironment(person));
    }

    [Fact]
    public async Task A_command_whose_stop_came_before_it_started_never_starts()
    {
        // A market still waiting for its turn when Ctrl+C came: mmctl must not start a bot and be killed after.
        var marker = Path.Combine(_dir.Path, "started");
        using var stopped = new CancellationTokenSource();
        await stopped.CancelAsync();

        var run = await HostRunner.RunAsync(Script($"touch '{marker}'"), TimeSpan.FromSeconds(20), stopped.Token);

        Assert.Equal(HostRunStatus.Cancelled, run.Status);
        Assert.False(File.Exists(marker));
        Assert.EndsWith("never ran: the user stopped the command before it started.", Assert.Throws<HostCommandException>(() => HostResultReader.ReadObject(run)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_leads_a_session_of_its_own_so_a_terminals_Ctrl_C_never_reaches_it()
    {
        // The terminal signals its foreground process group; a session leader of its own is outside it.
        var run = await HostRunner.RunAsync(Script("echo $$ $(cut -d' ' -f6 /proc/$$/stat)"), TimeSpan.FromSeconds(20), CancellationToken.None);

        var (pid, session) = run.StdOut.Split(' ', StringSplitOptions.TrimEntries) switch { [var p, var s] => (p, s), _ => (run.StdOut, string.Empty) };
        Assert.Equal(pid, session);
    }

    [Fact]
    public async Task It_captures_stdout_stderr_exit_code_and_passes_arguments_unsplit()
    {
        var run = await HostRunner.RunAsync(Script("printf '%s|' \"$@\"; echo oops >&2; exit 7"), TimeSpan.FromSeconds(20), CancellationToken.None);

        Assert.Equal(HostRunStatus.Completed, run.Status);
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("status|--json|", run.StdOut);
        Assert.Equal("oops\n", run.StdErr);
    }

    [Fact]
    public async Task Variables_that_load_code_never_reach_the_child()
    {
        Environment.SetEnvironmentVariable("LD_MMOP_TEST", "/tmp/evil.so");
        Environment.SetEnvironmentVariable("PYTHONMMOPTEST", "/tmp/evil");
        Environment.SetEnvironmentVariable("MMOP_TEST_KEPT", "kept");
        try
        {
            var run = await HostRunner.RunAsync(Script("echo \"[$LD_MMOP_TEST][$PYTHONMMOPTEST][$MMOP_TEST_KEPT]\""), TimeSpan.FromSeconds(20), CancellationToken.None);

            Assert.Equal("[][][kept]\n", run.StdOut);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LD_MMOP_TEST", null);
            Environment.SetEnvironmentVariable("PYTHONMMOPTEST", null);
            Environment.SetEnvironmentVariable("MMOP_TEST_KEPT", null);
        }
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_process_tree()
    {
        var pidFile = Path.Combine(_dir.Path, "child.pid");
        var command = Script($"sleep 300 & echo $! > '{pidFile}'; wait");
        var clock = Stopwatch.StartNew();

        var run = await HostRunner.RunAsync(command, TimeSpan.FromSeconds(1), CancellationToken.None);

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

        var run = await HostRunner.RunAsync(Script("sleep 300"), TimeSpan.FromSeconds(60), cancel.Token);

        Assert.Equal(HostRunStatus.Cancelled, run.Status);
    }

    [Fact]
    public async Task A_missing_executable_is_not_started()
    {
        var options = OperatorOptions.Defaults(_dir.Path, null) with { RepoPath = _dir.Path };

        var run = await HostRunner.RunAsync(HostCommand.MmctlStatus(options), TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Equal(HostRunStatus.NotStarted, run.Status);
        Assert.False(string.IsNullOrEmpty(run.StartError));
    }

    [Fact]
    public async Task Output_beyond_the_cap_is_drained_not_kept()
    {
        var run = await HostRunner.RunAsync(Script("head -c 12000000 /dev/zero | tr '\\0' x"), TimeSpan.FromSeconds(30), CancellationToken.None);

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
