using System.Globalization;
using System.Text;

namespace MmOperator.Lifecycle;

/// <summary>One process as /proc/&lt;pid&gt;/stat shows it: its state letter and its start time (field 22, clock ticks since boot).</summary>
public sealed record ProcessEntry(int Pid, char State, ulong StartTicks)
{
    /// <summary>Exited but not reaped by its parent (Z), or being torn down (X): it runs no code any more.</summary>
    public bool HasExited => State is 'Z' or 'X';

    /// <summary>The same process, not another that reused its pid: the kernel gives each its start time.</summary>
    public bool IsSameAs(int pid, ulong startTicks) => Pid == pid && StartTicks == startTicks;
}

/// <summary>A live process of the host's bot (<c>python -m market_maker</c>) and the env file it names.</summary>
public sealed record BotProcess(int Pid, ulong StartTicks, string EnvFile);

/// <summary>
/// The process table read from /proc as the operator's account can read it, never by signalling a
/// process or starting anything. The root is a parameter so the parsing is tested on a folder laid out
/// like /proc. A process that another account owns may hide its environment: it is then found only by
/// its command line, or by the pid the module recorded.
/// </summary>
public sealed class ProcessTable
{
    // Field 22 of /proc/<pid>/stat; counted after the ')' that ends the command name (field 2), which may hold spaces.
    private const int StartTimeAfterName = 22 - 3;

    public static readonly ProcessTable Current = new("/proc");

    public ProcessTable(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root;
    }

    public string Root { get; }

    /// <summary>False where there is no /proc to read: then nothing can be said about processes, and mmctl's word stands.</summary>
    public bool IsReadable => Directory.Exists(Root);

    /// <summary>The process with this pid now, or null when there is none (or its stat cannot be read).</summary>
    public ProcessEntry? Find(int pid)
    {
        if (pid <= 0 || ReadText(pid, "stat") is not { } stat)
        {
            return null;
        }

        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > StartTimeAfterName && fields[0].Length == 1 && ulong.TryParse(fields[StartTimeAfterName], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new ProcessEntry(pid, fields[0][0], ticks)
            : null;
    }

    /// <summary>
    /// When the process started (UTC), to within a few hundredths of a second: its start in clock ticks
    /// since boot (USER_HZ, 100 a second in every /proc) after the boot time /proc/uptime gives (in
    /// hundredths, where /proc/stat's btime has whole seconds). Null when either cannot be read.
    /// </summary>
    public DateTime? StartedAt(int pid)
    {
        string? uptime;
        try
        {
            uptime = File.ReadAllText(Path.Combine(Root, "uptime"));
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var now = DateTime.UtcNow;
        if (Find(pid) is not { } process || !double.TryParse(uptime.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var sinceBoot))
        {
            return null;
        }

        return now - TimeSpan.FromSeconds(sinceBoot) + TimeSpan.FromSeconds(process.StartTicks / (double)TicksPerSecond);
    }

    private const int TicksPerSecond = 100;

    /// <summary>
    /// Every live bot process that names an env file: in its environment (ENV, as mmctl starts it) or
    /// on its command line (an argument that is a .env path). A relative path is taken from the bot's
    /// working directory. Other processes, and values other than ENV, are never kept.
    /// </summary>
    public IReadOnlyList<BotProcess> Bots()
    {
        if (!IsReadable)
        {
            return [];
        }

        var bots = new List<BotProcess>();
        foreach (var folder in Directory.EnumerateDirectories(Root))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || ReadText(pid, "cmdline") is not { } cmdline)
            {
                continue;
            }

            var argv = cmdline.Split('\0', StringSplitOptions.RemoveEmptyEntries);
            if (!RunsBot(argv) || Find(pid) is not { HasExited: false } entry || EnvFileOf(pid, argv) is not { } envFile)
            {
                continue;
            }

            bots.Add(new BotProcess(pid, entry.StartTicks, envFile));
        }

        return bots;
    }

    /// <summary>An interpreter told to run the bot's package: <c>... -m market_maker ...</c>.</summary>
    private static bool RunsBot(string[] argv)
    {
        for (var i = 1; i + 1 < argv.Length; i++)
        {
            if (argv[i] == "-m" && argv[i + 1] == "market_maker")
            {
                return true;
            }
        }

        return false;
    }

    private string? EnvFileOf(int pid, string[] argv)
    {
        var named = ReadText(pid, "environ")?.Split('\0').FirstOrDefault(v => v.StartsWith("ENV=", StringComparison.Ordinal))?[4..]
            ?? argv.Skip(1).LastOrDefault(a => Path.GetFileName(a).StartsWith(".env", StringComparison.Ordinal));
        if (string.IsNullOrEmpty(named))
        {
            return null;
        }

        if (Path.IsPathRooted(named))
        {
            return Path.GetFullPath(named);
        }

        var cwd = ReadLink(pid, "cwd");
        return cwd is null ? null : Path.GetFullPath(Path.Combine(cwd, named));
    }

    private string? ReadText(int pid, string file)
    {
        try
        {
            return File.ReadAllText(PathOf(pid, file), Encoding.UTF8);
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string? ReadLink(int pid, string link)
    {
        try
        {
            var info = new FileInfo(PathOf(pid, link));
            return info.LinkTarget ?? (Directory.Exists(info.FullName) ? info.FullName : null);
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string PathOf(int pid, string file) => Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture), file);
}
