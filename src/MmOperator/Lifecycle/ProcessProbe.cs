using System.Diagnostics;

namespace MmOperator.Lifecycle;

/// <summary>
/// Whether a process still lives, read from the process table, never by signalling it or starting
/// anything. mmctl's stop sends SIGTERM after 30 s without waiting and then removes the pid file, so
/// only this check can tell that a bot which ignores its signals is still trading.
/// </summary>
public static class ProcessProbe
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>True while a process with this pid exists and is not a zombie (an exited process nobody reaped).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (ProcessTable.Current.IsReadable)
        {
            return ProcessTable.Current.Find(pid) is { HasExited: false };
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>How long the process has lived; zero when that cannot be read (the caller then waits its whole window).</summary>
    public static TimeSpan Age(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return DateTime.Now - process.StartTime;
        }
        catch (Exception gone) when (gone is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for an exited process to leave the process table (its parent or init reaps it); true when it has.</summary>
    public static bool WaitForReaping(int pid, TimeSpan timeout, CancellationToken cancel) =>
        WaitUntil(() => ProcessTable.Current.Find(pid) is null, timeout, cancel);

    /// <summary>Waits up to <paramref name="timeout"/> for the process to be gone; true when it is.</summary>
    public static bool WaitForExit(int pid, TimeSpan timeout, CancellationToken cancel) =>
        WaitUntil(() => !IsAlive(pid), timeout, cancel);

    private static bool WaitUntil(Func<bool> done, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            if (deadline.Elapsed >= timeout || cancel.WaitHandle.WaitOne(Poll))
            {
                return done();
            }
        }

        return true;
    }
}
