using MmOperator.Options;

namespace MmOperator.Host;

/// <summary>
/// Checks that the configured host pieces exist and can run, before anything is started. Each error
/// names the option and the environment variable to fix.
/// </summary>
public static class HostPreconditions
{
    public static void RequireRepo(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.RepoPath))
        {
            throw new OperatorException(
                ErrorIds.RepoNotFound,
                ErrorCategory.ObjectNotFound,
                $"The MM repo was not found at '{options.RepoPath}'. Fix the RepoPath option: Set-MmOperatorOption -RepoPath <folder> (or MMOPERATOR_REPO before import).",
                options.RepoPath);
        }
    }

    public static void RequireMmctl(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireRepo(options);
        RequireExecutable(options.MmctlPath, "mmctl", "MmctlPath", "MMOPERATOR_MMCTL", ErrorIds.MmctlNotFound, ErrorIds.MmctlNotExecutable);
    }

    public static void RequirePython(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireRepo(options);
        RequireExecutable(options.PythonPath, "The bot's python", "PythonPath", "MMOPERATOR_PYTHON", ErrorIds.PythonNotFound, ErrorIds.PythonNotExecutable);
    }

    private static void RequireExecutable(string path, string what, string option, string variable, string notFoundId, string notExecutableId)
    {
        var fix = $"Fix the {option} option: Set-MmOperatorOption -{option} <path> (or {variable} before import).";
        if (!File.Exists(path))
        {
            throw new OperatorException(notFoundId, ErrorCategory.ObjectNotFound, $"{what} was not found at '{path}'. {fix}", path);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            throw new OperatorException(notExecutableId, ErrorCategory.PermissionDenied, $"{what} at '{path}' is not executable. {fix}", path);
        }
    }
}
