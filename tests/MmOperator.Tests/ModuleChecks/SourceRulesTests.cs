using System.Text.RegularExpressions;

namespace MmOperator.Tests.ModuleChecks;

/// <summary>Rules of the code base that a reviewer should not have to re-check by hand.</summary>
public partial class SourceRulesTests
{
    private static readonly string Src = Path.Combine(TestPaths.RepoRoot, "src");

    [GeneratedRegex(@"\bCli\s*\.\s*Wrap\b|\bProcess\s*\.\s*Start\b|\bProcessStartInfo\b|new\s+Process\s*\(|\busing\s+CliWrap\b|\bCliWrap\s*\.|System\.Diagnostics\.Process\b|\bPowerShell\s*\.\s*Create\b|\bRunspaceFactory\b")]
    private static partial Regex StartsProcesses();

    [GeneratedRegex(@"\bHostCommand\s*\.\s*MmctlStatus\b|\bHostCommandShape\s*\.\s*MmctlStatus|\bStatusReader\s*\.\s*ReadReport\b|\bMmctlStatusReport\b")]
    private static partial Regex ReadsStatus();

    private static IEnumerable<string> SourceFiles() => Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
        .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void Only_the_host_runner_starts_processes()
    {
        var offenders = SourceFiles()
            .Where(f => StartsProcesses().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(Src, f))
            .ToList();

        // Beside the host runner, the fleet's remoting: New-PSSession starts one ssh client per host, with fixed options.
        Assert.Equal([Path.Combine("MmOperator", "Fleet", "PsRemoting.cs"), Path.Combine("MmOperator", "Host", "HostRunner.cs")], offenders.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_rule_would_catch_a_second_launcher() =>
        Assert.Matches(StartsProcesses(), "var p = System.Diagnostics.Process.Start(\"sh\");");

    [Fact]
    public void Only_the_status_query_builds_the_status_command_and_reads_its_answer()
    {
        var offenders = SourceFiles()
            .Where(f => ReadsStatus().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(Path.Combine(Src, "MmOperator"), f))
            .Order(StringComparer.Ordinal)
            .ToList();

        // Besides the query: where the command is made, the answer's shape, and the reader of that shape.
        Assert.Equal([Path.Combine("Host", "HostCommand.cs"), Path.Combine("Host", "MmctlResults.cs"), Path.Combine("Status", "StatusQuery.cs"), Path.Combine("Status", "StatusReader.cs")], offenders);
    }

    [Theory]
    [InlineData("Truth.Read(RunHost(HostCommand.MmctlStatus(Options)))")]
    [InlineData("var log = StatusReader.ReadReport(run, Catalog).Instances;")]
    [InlineData("HostResultReader.Read<MmctlStatusReport>(run)")]
    public void The_status_rule_would_catch_a_second_reader(string code) => Assert.Matches(ReadsStatus(), code);

    [Fact]
    public void Each_cmdlet_is_a_sealed_class_in_its_own_file_named_after_it()
    {
        var commands = typeof(MmOperator.Commands.GetMmStatusCommand).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(System.Management.Automation.CmdletAttribute), false).Length > 0)
            .ToList();

        Assert.NotEmpty(commands);
        Assert.All(commands, t =>
        {
            Assert.True(t.IsSealed, t.Name);
            Assert.EndsWith("Command", t.Name, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(Src, "MmOperator", "Commands", t.Name + ".cs")), t.Name);
        });
    }

    [Fact]
    public void Each_cmdlet_is_at_most_two_levels_below_PSCmdlet()
    {
        var commands = typeof(MmOperator.Commands.GetMmStatusCommand).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(System.Management.Automation.CmdletAttribute), false).Length > 0);

        Assert.All(commands, t => Assert.True(t.BaseType == typeof(System.Management.Automation.PSCmdlet) || t.BaseType!.BaseType == typeof(System.Management.Automation.PSCmdlet), t.Name));
    }
}
