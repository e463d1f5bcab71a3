using System.Text.Json;

namespace MmOperator.Tests.Conformance;

/// <summary>
/// One recorded scenario of the real host's tools (tests/fixtures/conformance/NNN-*.json): the setup as data,
/// the command, and everything it did. Paths in it are rooted at <see cref="RecordedRoot"/>.
/// </summary>
public sealed class Scenario
{
    public const string RecordedRoot = "/home/operator";

    private Scenario(string fileName, JsonElement root)
    {
        FileName = fileName;
        var setup = root.GetProperty("setup");
        SetupFiles = setup.GetProperty("files").EnumerateObject().ToDictionary(f => f.Name, f => new RecordedFile(f.Value), StringComparer.Ordinal);
        SetupDirs = Strings(setup.GetProperty("dirs"));
        SetupLinks = setup.TryGetProperty("symlinks", out var links)
            ? links.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        Running = setup.GetProperty("running").EnumerateArray().Select(r => new RecordedBot(r)).ToList();
        HeldLocks = Strings(setup.GetProperty("held_locks"));
        StdinFiles = root.GetProperty("stdin_files").EnumerateObject().ToDictionary(f => f.Name, f => new RecordedFile(f.Value), StringComparer.Ordinal);
        Program = root.GetProperty("program").GetString()!.Split(' ');
        Cwd = root.GetProperty("cwd").GetString()!;
        Argv = Strings(root.GetProperty("argv"));
        Stdout = root.GetProperty("stdout").GetString()!;
        Stderr = root.GetProperty("stderr").GetString()!;
        ExitCode = root.GetProperty("exit_code").GetInt32();
        DurationSeconds = root.GetProperty("duration_s").GetDouble();
        FilesAfter = root.GetProperty("files_after").EnumerateObject().ToDictionary(f => f.Name, f => new RecordedChange(f.Value), StringComparer.Ordinal);
        DirsCreated = Strings(root.GetProperty("dirs_created"));
        BotsAliveAfter = root.GetProperty("bots_alive_after").GetInt32();
        Volatile = Strings(root.GetProperty("volatile"));
    }

    public string FileName { get; }

    /// <summary>Files present before the command besides the checkout, by path relative to the root.</summary>
    public IReadOnlyDictionary<string, RecordedFile> SetupFiles { get; }

    public IReadOnlyList<string> SetupDirs { get; }

    /// <summary>Symbolic links of the setup: path relative to the root, and its target (a recorded absolute path).</summary>
    public IReadOnlyDictionary<string, string> SetupLinks { get; }

    /// <summary>The pid files of the setup and what stood behind each pid.</summary>
    public IReadOnlyList<RecordedBot> Running { get; }

    /// <summary>Lock files (absolute recorded paths) held with flock by someone else during the command.</summary>
    public IReadOnlyList<string> HeldLocks { get; }

    public IReadOnlyDictionary<string, RecordedFile> StdinFiles { get; }

    /// <summary>The program as recorded: mmctl, or the interpreter and the script.</summary>
    public IReadOnlyList<string> Program { get; }

    public string Cwd { get; }

    public IReadOnlyList<string> Argv { get; }

    public string Stdout { get; }

    public string Stderr { get; }

    public int ExitCode { get; }

    public double DurationSeconds { get; }

    /// <summary>Every file created, modified or removed, by path relative to the root.</summary>
    public IReadOnlyDictionary<string, RecordedChange> FilesAfter { get; }

    public IReadOnlyList<string> DirsCreated { get; }

    public int BotsAliveAfter { get; }

    /// <summary>What varies between runs, in the recording's words; <see cref="Normaliser"/> knows each entry.</summary>
    public IReadOnlyList<string> Volatile { get; }

    /// <summary>The scenario file names, in order.</summary>
    public static IReadOnlyList<string> FileNames { get; } = Directory.GetFiles(TestPaths.ConformanceFixtures, "*.json")
        .Select(Path.GetFileName)
        .Where(n => n is not null && char.IsAsciiDigit(n[0]))
        .Order(StringComparer.Ordinal)
        .ToList()!;

    public static Scenario Load(string fileName)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.ConformanceFixtures, fileName)));
        return new Scenario(fileName, document.RootElement.Clone());
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}

/// <summary>A file of the setup: its mode and exact bytes (text, or base64 for bytes that are not UTF-8).</summary>
public sealed class RecordedFile(JsonElement file)
{
    public UnixFileMode Mode { get; } = ParseMode(file.GetProperty("mode").GetString()!);

    public string? Text { get; } = file.TryGetProperty("content", out var text) ? text.GetString() : null;

    public byte[]? Bytes { get; } = file.TryGetProperty("content_base64", out var raw) ? Convert.FromBase64String(raw.GetString()!) : null;

    public static UnixFileMode ParseMode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);
}

/// <summary>A file the command created, modified or removed; removed files have no mode or content.</summary>
public sealed class RecordedChange(JsonElement change)
{
    public string Change { get; } = change.GetProperty("change").GetString()!;

    public string? Mode { get; } = change.TryGetProperty("mode", out var mode) ? mode.GetString() : null;

    public string? Content { get; } = change.TryGetProperty("content", out var content) ? content.GetString() : null;
}

/// <summary>A pid file of the setup: the recorded pid, and whether a process (a fake bot or not) was behind it.</summary>
public sealed class RecordedBot(JsonElement bot)
{
    public string ControllerId { get; } = bot.GetProperty("controller_id").GetString()!;

    public string PidFile { get; } = bot.GetProperty("pid_file").GetString()!;

    public long Pid { get; } = bot.GetProperty("pid").GetInt64();

    public bool ProcessAlive { get; } = bot.GetProperty("process_alive").GetBoolean();

    public bool IsFakeBot { get; } = bot.GetProperty("is_fake_bot").GetBoolean();

    public bool IgnoresSigint { get; } = bot.GetProperty("ignores_sigint").GetBoolean();

    /// <summary>A bot that exited and was not reaped: its pid still answers signal 0.</summary>
    public bool IsZombie { get; } = bot.TryGetProperty("zombie", out var zombie) && zombie.GetBoolean();
}
