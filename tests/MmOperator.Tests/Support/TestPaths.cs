using MmOperator.Sandbox;

namespace MmOperator.Tests.Support;

/// <summary>Where the project's files are, found from the test assembly's folder.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The host contract's captured outputs; shared/ lies beside the checkout (CI lays it there too).</summary>
    public static string HostOutputFixtures => Path.Combine(SharedFolder, "reference", "fixtures", "host-output");

    public static string PolicyFixtures => Path.Combine(SharedFolder, "reference", "fixtures", "policy");

    public static string SharedFolder
    {
        get
        {
            var shared = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(shared) ? shared : throw new DirectoryNotFoundException($"The host contract folder is missing: {shared}");
        }
    }

    public static string Python => SandboxBuilder.FindPython(Environment.GetEnvironmentVariable("PATH"))
        ?? throw new InvalidOperationException("python3 is required for the sandbox tests.");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MmOperator.psd1")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MmOperator.psd1 not found above the test folder.");
    }
}

/// <summary>A fresh temporary folder, removed afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mmop-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
