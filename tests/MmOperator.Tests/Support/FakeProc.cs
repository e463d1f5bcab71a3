using System.Globalization;

namespace MmOperator.Tests.Support;

/// <summary>A folder laid out like /proc: each process a folder with stat, cmdline, environ and a cwd link.</summary>
public sealed class FakeProc : IDisposable
{
    private readonly TempDir _dir = new();

    public FakeProc() => Directory.CreateDirectory(Path.Combine(_dir.Path, "self"));

    public ProcessTable Table => new(_dir.Path);

    /// <summary>A process; <paramref name="environ"/> null leaves its environment unreadable (another account's).</summary>
    public void Add(int pid, ulong startTicks, char state = 'S', string[]? argv = null, string[]? environ = null, string? cwd = null, string name = "python3")
    {
        var folder = Path.Combine(_dir.Path, pid.ToString(CultureInfo.InvariantCulture));
        Remove(pid);
        Directory.CreateDirectory(folder);
        // Fields 3..22 of a real stat line; the name may hold spaces and ')'.
        File.WriteAllText(Path.Combine(folder, "stat"), string.Create(CultureInfo.InvariantCulture, $"{pid} ({name}) {state} 1 {pid} {pid} 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 {startTicks} 1000 200 18446744073709551615\n"));
        File.WriteAllText(Path.Combine(folder, "cmdline"), state == 'Z' ? string.Empty : string.Join('\0', argv ?? ["sleep", "100"]) + "\0");
        if (environ is not null)
        {
            File.WriteAllText(Path.Combine(folder, "environ"), string.Join('\0', environ) + "\0");
        }

        if (cwd is not null)
        {
            File.CreateSymbolicLink(Path.Combine(folder, "cwd"), cwd);
        }
    }

    /// <summary>How long ago the machine booted, as /proc/uptime says (process start times count from then).</summary>
    public void Booted(TimeSpan ago) =>
        File.WriteAllText(Path.Combine(_dir.Path, "uptime"), string.Create(CultureInfo.InvariantCulture, $"{ago.TotalSeconds:F2} 12345.67\n"));

    /// <summary>A bot as mmctl starts it: <c>python -m market_maker</c> with ENV naming its env file.</summary>
    public void AddBot(int pid, ulong startTicks, string envFile, char state = 'S') =>
        Add(pid, startTicks, state, ["/repo/.venv/bin/python", "-m", "market_maker"], ["HOME=/home/operator", "ENV=" + envFile, "MM_API_KEY=never-read"]);

    public void Remove(int pid)
    {
        var folder = Path.Combine(_dir.Path, pid.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public void Dispose() => _dir.Dispose();
}
