using MmOperator.Errors;
using MmOperator.Options;
using MmOperator.Tests.Support;

namespace MmOperator.Tests.Options;

public sealed class AgentSessionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["MMOPERATOR_MMCTL"] = "/home/mmop/bin/mmctl",
        [AgentSession.AgentUsersSetting] = "mmagent, other",
        [AgentSession.AgentUidsSetting] = "1001",
    };

    private static AgentSession With(params (string Name, string Value)[] environment) =>
        new(name => environment.FirstOrDefault(v => v.Name == name).Value, Settings);

    [Fact]
    public void In_the_agents_path_MMOPERATOR_variables_come_only_from_the_settings_file()
    {
        var session = With((AgentSession.MarkerVariable, "sudo:mmagent"), ("MMOPERATOR_MMCTL", "/bin/sh"), ("MMOPERATOR_AUDIT_LOG", "/tmp/forged"), ("HOME", "/home/mmop"));

        var options = OperatorOptions.FromEnvironment(session.Variable);

        Assert.Equal("/home/mmop/bin/mmctl", options.MmctlPath);
        Assert.Equal("/home/mmop/.local/state/mmoperator/audit.jsonl", options.AuditLogPath);
    }

    [Fact]
    public void Outside_the_launcher_the_environment_is_read_as_before()
    {
        var session = With(("MMOPERATOR_MMCTL", "/opt/mmctl"), ("HOME", "/home/mmop"));

        Assert.Equal("/opt/mmctl", OperatorOptions.FromEnvironment(session.Variable).MmctlPath);
        Assert.Null(session.Via);
        session.RefuseAgentDecision();
    }

    [Theory]
    [InlineData(AgentSession.MarkerVariable, "ssh", "ssh")]
    [InlineData("SUDO_USER", "mmagent", "sudo:mmagent")]
    [InlineData("SUDO_UID", "1001", "sudo uid 1001")]
    public void A_decision_from_the_agents_identity_is_refused(string variable, string value, string who)
    {
        var error = Assert.Throws<OperatorException>(With((variable, value)).RefuseAgentDecision);

        Assert.Equal(ErrorIds.AgentDecisionRefused, error.ErrorId);
        Assert.Contains($"the agent's ({who})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_human_behind_sudo_may_decide()
    {
        With(("SUDO_USER", "alice"), ("SUDO_UID", "1000")).RefuseAgentDecision();
    }

    [Fact]
    public void The_settings_file_is_KEY_equals_VALUE_lines()
    {
        var path = _dir.Write("mm-operator.conf", "# comment\nMMOPERATOR_PWSH=dotnet /opt/pwsh.dll\nMMOPERATOR_REPO = /home/mmop/Code/MM\nnot a setting\n");

        Assert.Equal(new Dictionary<string, string> { ["MMOPERATOR_PWSH"] = "dotnet /opt/pwsh.dll", ["MMOPERATOR_REPO"] = "/home/mmop/Code/MM" }, AgentSession.ReadSettings(path));
        Assert.Empty(AgentSession.ReadSettings(Path.Combine(_dir.Path, "missing")));
    }
}
