using MmOperator.Sandbox;

namespace MmOperator.Tests.Support;

/// <summary>Where the project's files are, found from the test assembly's folder.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Real outputs of the host's commands, captured on a scratch host (docs/host-contract.md).</summary>
    public static string HostOutputFixtures => Path.Combine(Fixtures, "host-output");

    /// <summary>The bot project's own policy files, as shipped.</summary>
    public static string PolicyFixtures => Path.Combine(Fixtures, "policy");

    /// <summary>Recorded real scenarios of the host's tools and the rules they establish (rules.md).</summary>
    public static string ConformanceFixtures => Path.Combine(Fixtures, "conformance");

    /// <summary>Everything a test reads lives in the repository: a clone with nothing beside it runs every test.</summary>
    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

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

    /// <summary>The bot project's own policy files, where a repo holds them (mm_config/policy).</summary>
    public void WritePolicyFixtures()
    {
        foreach (var file in Directory.GetFiles(TestPaths.PolicyFixtures))
        {
            Write(System.IO.Path.Combine("mm_config", "policy", System.IO.Path.GetFileName(file)), File.ReadAllText(file));
        }
    }

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
