using System.Management.Automation.Runspaces;
using MmOperator.Options;
using MmOperator.Security;

namespace MmOperator;

/// <summary>
/// Each import into a session (runspace) starts that session from the environment again: who runs it
/// (<see cref="CallerIdentity"/>) is read, and MMOPERATOR_* variables and the settings file override the
/// defaults at import; other sessions keep theirs. What the settings file could not give is kept for
/// Get-MmOperatorOption to warn about: an initializer has no output stream, and a nested pipeline is a
/// way to run commands the module does not open.
/// It also makes the agent launcher executable again: a .nupkg (zip) does not keep Unix file modes, and
/// handles SIGXFSZ for the whole process (<see cref="IO.FileSizeSignal"/>): PowerShell's own caches
/// written past an inherited file size limit must fail, not end the session.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        IO.FileSizeSignal.Handle();
        var session = CallerIdentity.Import();
        OptionsStore.Import(session);
        if (session.IsAgent)
        {
            CloseEnvironmentDrive();
        }

        var launcher = Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "bin", "mm-operator");
        try
        {
            if (File.Exists(launcher) && (File.GetUnixFileMode(launcher) & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(launcher, File.GetUnixFileMode(launcher) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A read-only install keeps its modes; the launcher then runs as: bash <module>/bin/mm-operator.
        }
    }

    /// <summary>
    /// A restricted session hides its providers, yet $env:X = 1 still writes the process's environment
    /// through the Env: drive. Nothing the module does reads it after the import, and the agent's session
    /// has no use for it: the drive is removed as soon as the session is open, before its first command
    /// (during the import the session's state cannot be changed), so such a write fails.
    /// </summary>
    private static void CloseEnvironmentDrive()
    {
        if (Runspace.DefaultRunspace is not { } runspace)
        {
            return;
        }

        void Close(object? sender, RunspaceAvailabilityEventArgs e)
        {
            if (e.RunspaceAvailability != RunspaceAvailability.Available)
            {
                return;
            }

            runspace.AvailabilityChanged -= Close;
            try
            {
                runspace.SessionStateProxy.Drive.Remove("Env", true, "Global");
            }
            catch (Exception error) when (error is System.Management.Automation.DriveNotFoundException or PSInvalidOperationException)
            {
                // No Env: drive, or a session already busy again: the module reads no variable after the import either way.
            }
        }

        runspace.AvailabilityChanged += Close;
    }
}
