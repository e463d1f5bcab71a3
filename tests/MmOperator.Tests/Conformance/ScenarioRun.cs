using System.Diagnostics;
using System.Globalization;
using System.Text;
using MmOperator.IO;
using MmOperator.Sandbox;

namespace MmOperator.Tests.Conformance;

/// <summary>What the stand-in did: its output, exit code and time, and every change under the sandbox root.</summary>
public sealed record Observed(string Stdout, string Stderr, int ExitCode, TimeSpan Duration, int BotsAlive,
    IReadOnlyDictionary<string, FileChange> Files, IReadOnlyList<string> DirsCreated);

/// <summary>One file's change, as the recordings describe it (mode and content are null for a removed file).</summary>
public sealed record FileChange(string Change, string? Mode, string? Content);

/// <summary>
/// A scenario laid out on a fresh sandbox (the stand-ins, the policy and .env.example, then exactly the
/// setup's files, folders, running bots and held locks), run once through the stand-in program.
/// Disposing it ends every process it started and removes the sandbox.
/// </summary>
public sealed class ScenarioRun : IDisposable
{
    private const string HookFolder = "sandbox";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly Scenario _scenario;
    private readonly List<Process> _setupProcesses = [];
    private readonly Dictionary<string, FileStream> _heldLocks = new(StringComparer.Ordinal);

    private ScenarioRun(Scenario scenario)
    {
        _scenario = scenario;
        Root = Path.Combine(Path.GetTempPath(), "mmop-conf-" + Guid.NewGuid().ToString("N")[..12]);
        Repo = SandboxBuilder.WriteHost(Root, TestPaths.Python);
    }

    /// <summary>This run's stand-in for /home/operator.</summary>
    public string Root { get; }

    public string Repo { get; }

    /// <summary>The setup's pids on this run, in the order of the scenario's running list.</summary>
    public List<long> SetupPids { get; } = [];

    public static async Task<ScenarioRun> PrepareAsync(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var run = new ScenarioRun(scenario);
        try
        {
            await run.LayOutAsync().ConfigureAwait(false);
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    public async Task<Observed> RunAsync()
    {
        var before = Snapshot();
        var program = _scenario.Program.Select(MapPath).ToList();
        var start = new ProcessStartInfo(program[0])
        {
            WorkingDirectory = MapPath(_scenario.Cwd),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in program.Skip(1).Concat(_scenario.Argv.Select(MapPath)))
        {
            start.ArgumentList.Add(argument);
        }

        CleanEnvironment(start.Environment);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(CommandTimeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{string.Join(' ', program)} ran past {CommandTimeout.TotalSeconds} s.");
            }
        }

        var duration = clock.Elapsed;
        var bots = await CountBotsAsync(_scenario.BotsAliveAfter).ConfigureAwait(false);
        var (files, dirs) = Differences(before, Snapshot());
        return new Observed(await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), process.ExitCode, duration, bots, files, dirs);
    }

    public void Dispose()
    {
        foreach (var pid in BotPids())
        {
            Kill(pid);
        }

        foreach (var process in _setupProcesses)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        foreach (var held in _heldLocks.Values)
        {
            held.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---------------------------------------------------------------- setup

    private async Task LayOutAsync()
    {
        foreach (var dir in _scenario.SetupDirs)
        {
            Directory.CreateDirectory(Path.Combine(Root, dir));
        }

        foreach (var bot in _scenario.Running)
        {
            SetupPids.Add(!bot.IsFakeBot ? bot.Pid
                : bot.IsZombie ? await ZombiePidAsync().ConfigureAwait(false)
                : bot.ProcessAlive ? await StartBotAsync(bot).ConfigureAwait(false)
                : await DeadPidAsync().ConfigureAwait(false));
        }

        foreach (var (link, target) in _scenario.SetupLinks)
        {
            var path = Path.Combine(Root, link);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.CreateSymbolicLink(path, MapPath(target));
        }

        foreach (var (path, file) in _scenario.SetupFiles.Concat(_scenario.StdinFiles))
        {
            var target = Path.Combine(Root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, file.Bytes ?? Encoding.UTF8.GetBytes(WithSetupPids(path, MapPath(file.Text!))));
            File.SetUnixFileMode(target, file.Mode);
        }

        foreach (var lockPath in _scenario.HeldLocks.Select(MapPath))
        {
            _heldLocks[lockPath] = FileLock.Acquire(lockPath, TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>A setup pid file holds the pid of this run's process in place of the recorded one.</summary>
    private string WithSetupPids(string path, string content)
    {
        var index = _scenario.Running.ToList().FindIndex(b => b.PidFile == path);
        return index < 0 ? content : content.Replace(_scenario.Running[index].Pid.ToString(CultureInfo.InvariantCulture), SetupPids[index].ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// The stand-in bot, started as mmctl starts it: the env file's values in its environment, ENV naming the
    /// file, its package on PYTHONPATH.
    /// </summary>
    private async Task<long> StartBotAsync(RecordedBot bot)
    {
        var envPath = "Code/MM/" + bot.ControllerId.Replace("env_", ".env.", StringComparison.Ordinal);
        var values = _scenario.SetupFiles.TryGetValue(envPath, out var envFile) && envFile.Text is not null
            ? HostEnvReader.ReadValues(envFile.Text)
            : new Dictionary<string, string>();
        var start = new ProcessStartInfo(Path.Combine(Repo, ".venv", "bin", "python"), ["-m", "market_maker"])
        {
            WorkingDirectory = Repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        CleanEnvironment(start.Environment);
        foreach (var (key, value) in values)
        {
            start.Environment[key] = value;
        }

        start.Environment["ENV"] = Path.Combine(Root, envPath);
        start.Environment["PYTHONPATH"] = Path.Combine(Repo, "src");
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        if (bot.IgnoresSigint)
        {
            start.Environment["MM_SANDBOX_FAULT"] = "ignore-signals:INT";
        }

        var process = Process.Start(start)!;
        _setupProcesses.Add(process);
        await WaitUntilSignalsSetAsync(process.Id, bot.IgnoresSigint).ConfigureAwait(false);
        return process.Id;
    }

    /// <summary>A pid whose process has ended (and was reaped): a bot killed behind mmctl's back.</summary>
    private static async Task<long> DeadPidAsync()
    {
        using var process = Process.Start(new ProcessStartInfo(TestPaths.Python, ["-c", "pass"]) { UseShellExecute = false })!;
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.Id;
    }

    /// <summary>
    /// The pid of a bot that exited and was never reaped (a zombie): a parent that forks it, does not wait
    /// for it, and lives until the run is disposed. .NET reaps its own children, so the parent is Python.
    /// </summary>
    private async Task<long> ZombiePidAsync()
    {
        var parent = Process.Start(new ProcessStartInfo(TestPaths.Python, ["-c", "import os, sys, time\nchild = os.fork()\nif child == 0:\n    os._exit(0)\nprint(child, flush=True)\ntime.sleep(300)"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _setupProcesses.Add(parent);
        var pid = int.Parse((await parent.StandardOutput.ReadLineAsync().ConfigureAwait(false))!, CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!IsZombie(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The setup zombie {pid} did not exit.");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        return pid;
    }

    private static bool IsZombie(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..][0] == 'Z';
    }

    /// <summary>
    /// Waits until the bot catches SIGTERM (its handlers are in place) and, when it must, ignores SIGINT:
    /// a signal that came earlier would meet Python's defaults, and a stop would not test what it should.
    /// </summary>
    private static async Task WaitUntilSignalsSetAsync(int pid, bool ignoresSigint)
    {
        const ulong Int = 1UL << 1, Term = 1UL << 14;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var masks = File.ReadLines($"/proc/{pid}/status")
                .Select(line => line.Split(':', 2))
                .Where(parts => parts[0] is "SigIgn" or "SigCgt")
                .ToDictionary(parts => parts[0], parts => ulong.Parse(parts[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            if (((masks["SigCgt"] | masks["SigIgn"]) & Term) != 0 && (!ignoresSigint || (masks["SigIgn"] & Int) != 0))
            {
                return;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        throw new TimeoutException($"The setup bot {pid} did not set up its signals.");
    }

    // ---------------------------------------------------------------- observing

    /// <summary>
    /// Live bots of this sandbox (cwd in the repo, running market_maker, not a zombie). The count may take a
    /// moment to fall to the expected one: a bot sent SIGTERM as mmctl returns is still ending.
    /// </summary>
    /// <summary>
    /// The live bots, given a moment to match the recording: a bot just spawned may not show its own
    /// command line yet (fork before exec), and one that was signalled may still be exiting.
    /// </summary>
    private async Task<int> CountBotsAsync(int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(2);
        var count = BotPids().Count;
        while (count != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
            count = BotPids().Count;
        }

        return count;
    }

    private List<int> BotPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (new FileInfo(Path.Combine(dir, "cwd")).LinkTarget == Repo
                    && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("market_maker", StringComparison.Ordinal)
                    && !IsZombie(pid))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while being looked at, or is not ours to read.
            }
        }

        return pids;
    }

    private sealed record Entry(bool IsDirectory, UnixFileMode Mode, byte[] Content);

    /// <summary>Every folder and file under the root, links not followed, the stand-ins' own hook folder left out.</summary>
    private Dictionary<string, Entry> Snapshot()
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(Root)]);
        while (pending.TryPop(out var dir))
        {
            foreach (var item in dir.EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(Root, item.FullName);
                if (relative == HookFolder || item.LinkTarget is not null)
                {
                    continue;
                }

                if (item is DirectoryInfo folder)
                {
                    entries[relative] = new Entry(true, folder.UnixFileMode, []);
                    pending.Push(folder);
                }
                else
                {
                    entries[relative] = new Entry(false, item.UnixFileMode, Content(item.FullName));
                }
            }
        }

        return entries;
    }

    /// <summary>A file's bytes; a lock file held here is read through its holding handle (.NET would flock it again).</summary>
    private byte[] Content(string path)
    {
        if (!_heldLocks.TryGetValue(path, out var held))
        {
            return File.ReadAllBytes(path);
        }

        using var copy = new MemoryStream();
        held.Position = 0;
        held.CopyTo(copy);
        return copy.ToArray();
    }

    private static (Dictionary<string, FileChange> Files, List<string> Dirs) Differences(Dictionary<string, Entry> before, Dictionary<string, Entry> after)
    {
        var files = new Dictionary<string, FileChange>(StringComparer.Ordinal);
        foreach (var path in before.Keys.Union(after.Keys).Where(p => !(before.GetValueOrDefault(p) ?? after[p]).IsDirectory))
        {
            var (old, now) = (before.GetValueOrDefault(path), after.GetValueOrDefault(path));
            if (now is null)
            {
                files[path] = new FileChange("removed", null, null);
            }
            else if (old is null || old.Mode != now.Mode || !old.Content.AsSpan().SequenceEqual(now.Content))
            {
                files[path] = new FileChange(old is null ? "created" : "modified", Octal(now.Mode), Encoding.UTF8.GetString(now.Content));
            }
        }

        var dirs = after.Where(e => e.Value.IsDirectory && !before.ContainsKey(e.Key)).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();
        return (files, dirs);
    }

    // ---------------------------------------------------------------- helpers

    private string MapPath(string recorded) => recorded.Replace(Scenario.RecordedRoot, Root, StringComparison.Ordinal);

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    /// <summary>
    /// As the module hands its children: no PYTHON* variables (they would hide a __pycache__), none of the
    /// sandbox's fault hooks (another test may have set them in this process), no terminal width (argparse
    /// wraps its usage at 80 columns, as recorded). The bots end by themselves if a test is cut short.
    /// </summary>
    private static void CleanEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.Where(k => k.StartsWith("PYTHON", StringComparison.Ordinal) || k.StartsWith("MM_", StringComparison.Ordinal) || k is "COLUMNS" or "LINES").ToList())
        {
            environment.Remove(name);
        }

        environment["MM_SANDBOX_BOT_MAX_S"] = "120";
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
