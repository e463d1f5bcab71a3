using System.Diagnostics;

namespace MmOperator.Tests.Lifecycle;

public sealed class ProcessProbeTests
{
    [Fact]
    public void A_running_process_is_alive_and_a_gone_one_is_not()
    {
        Assert.True(ProcessProbe.IsAlive(Environment.ProcessId));
        using var child = Process.Start(new ProcessStartInfo(TestPaths.Python, "-c pass") { UseShellExecute = false })!;
        child.WaitForExit();
        Assert.True(ProcessProbe.WaitForExit(child.Id, TimeSpan.FromSeconds(60), CancellationToken.None));
        Assert.False(ProcessProbe.IsAlive(0));
        Assert.False(ProcessProbe.IsAlive(-5));
    }

    [Fact]
    public void An_exited_process_nobody_reaped_is_not_alive()
    {
        // A python parent forks a child that exits at once and is never waited for: a zombie, still in the process table.
        var script = "import os, sys, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\nsys.stdin.read()\n";
        using var parent = Process.Start(new ProcessStartInfo(TestPaths.Python, ["-c", script]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true })!;
        try
        {
            var zombie = int.Parse(parent.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Directory.Exists($"/proc/{zombie}"));
            Assert.True(ProcessProbe.WaitForExit(zombie, TimeSpan.FromSeconds(60), CancellationToken.None));
            Assert.False(ProcessProbe.WaitForReaping(zombie, TimeSpan.FromMilliseconds(100), CancellationToken.None));
            parent.StandardInput.Close();
            Assert.True(ProcessProbe.WaitForReaping(zombie, TimeSpan.FromSeconds(30), CancellationToken.None), "once its parent is gone, init reaps it");
        }
        finally
        {
            parent.StandardInput.Close();
            parent.WaitForExit();
        }
    }

    [Fact]
    public void Waiting_for_a_process_that_lives_on_gives_up_after_the_timeout()
    {
        using var sleeper = Process.Start(new ProcessStartInfo(TestPaths.Python, ["-c", "import time; time.sleep(30)"]) { UseShellExecute = false })!;
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.False(ProcessProbe.WaitForExit(sleeper.Id, TimeSpan.FromMilliseconds(300), CancellationToken.None));
            // Well before the sleeper's 30 s, however loaded the machine.
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }

    [Fact]
    public void A_process_age_is_read_and_an_unknown_pid_has_none()
    {
        Assert.InRange(ProcessProbe.Age(Environment.ProcessId), TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        Assert.Equal(TimeSpan.Zero, ProcessProbe.Age(int.MaxValue));
    }
}
