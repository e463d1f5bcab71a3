namespace MmOperator.Tests.Host;

public sealed class HostPreconditionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private OperatorOptions Options(string mmctl) => OperatorOptions.Defaults(_dir.Path, null) with { MmctlPath = mmctl, RepoPath = _dir.Path };

    [Fact]
    public void Each_missing_piece_names_the_option_to_fix()
    {
        var missingRepo = Assert.Throws<OperatorException>(() => HostPreconditions.RequireMmctl(Options("/x") with { RepoPath = "/nope" }));
        var missingMmctl = Assert.Throws<OperatorException>(() => HostPreconditions.RequireMmctl(Options(Path.Combine(_dir.Path, "mmctl"))));
        var missingPython = Assert.Throws<OperatorException>(() => HostPreconditions.RequirePython(Options("/x")));

        Assert.Equal((ErrorIds.RepoNotFound, ErrorIds.MmctlNotFound, ErrorIds.PythonNotFound), (missingRepo.ErrorId, missingMmctl.ErrorId, missingPython.ErrorId));
        Assert.Contains("-RepoPath", missingRepo.Message, StringComparison.Ordinal);
        Assert.Contains("-MmctlPath", missingMmctl.Message, StringComparison.Ordinal);
        Assert.Contains("MMOPERATOR_PYTHON", missingPython.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_execute_permission_is_refused()
    {
        var mmctl = _dir.Write("mmctl", "#!/bin/sh\n");
        File.SetUnixFileMode(mmctl, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<OperatorException>(() => HostPreconditions.RequireMmctl(Options(mmctl)));

        Assert.Equal(ErrorIds.MmctlNotExecutable, error.ErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, error.Category);

        File.SetUnixFileMode(mmctl, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        HostPreconditions.RequireMmctl(Options(mmctl));
    }
}
