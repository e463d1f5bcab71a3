namespace MmOperator.EnvFiles;

/// <summary>
/// The repo's <c>.env</c> and <c>.env.*</c> files as one command found them, each read once: the market
/// catalog takes its markets from them and the secret masker the values it hides.
/// </summary>
public sealed class RepoEnvFiles
{
    private RepoEnvFiles(string repoPath, IReadOnlyList<RepoEnvFile> files)
    {
        RepoPath = repoPath;
        Files = files;
    }

    public string RepoPath { get; }

    /// <summary>Sorted by name (ordinal), so every reader sees them in the same order.</summary>
    public IReadOnlyList<RepoEnvFile> Files { get; }

    /// <summary>Reads every file now. A missing repo has none; the caller checks the repo first.</summary>
    public static RepoEnvFiles Read(string repoPath)
    {
        ArgumentNullException.ThrowIfNull(repoPath);
        if (!Directory.Exists(repoPath))
        {
            return new RepoEnvFiles(repoPath, []);
        }

        var files = new DirectoryInfo(repoPath).EnumerateFiles(".env*")
            .Select(file => new RepoEnvFile(file.Name, file.FullName, file.LinkTarget is not null, TryRead(file.FullName)))
            .OrderBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
        return new RepoEnvFiles(repoPath, files);
    }

    private static string? TryRead(string path)
    {
        try
        {
            // Decoded as Python's read_text() sees it: a byte-order mark stays in the text (ReadAllText would drop it).
            return System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // An unreadable file names no market and holds nothing we could leak either.
            return null;
        }
    }
}

/// <summary>One <c>.env*</c> file: its text (null when it could not be read) and its entries as the host reads them.</summary>
public sealed class RepoEnvFile(string name, string fullPath, bool isLink, string? text)
{
    private IReadOnlyList<EnvEntry>? _entries;

    public string Name { get; } = name;

    public string FullPath { get; } = fullPath;

    public bool IsLink { get; } = isLink;

    public string? Text { get; } = text;

    public IReadOnlyList<EnvEntry> Entries => _entries ??= Text is null ? [] : HostEnvReader.ReadEntries(Text);

    /// <summary>A key's value, the last copy winning, as the host reads the file; null when absent.</summary>
    public string? ValueOf(string key) => Entries.LastOrDefault(entry => entry.Key == key)?.Value;
}
