using System.Management.Automation;
using MmOperator.Options;

namespace MmOperator;

/// <summary>
/// Each import starts from the environment again: MMOPERATOR_* variables and the settings file override
/// the defaults at import. What the settings file could not give is kept for Get-MmOperatorOption to
/// warn about: an initializer has no output stream, and a nested pipeline is a way to run commands
/// the module does not open.
/// It also makes the agent launcher executable again: a .nupkg (zip) does not keep Unix file modes, and
/// handles SIGXFSZ for the whole process (<see cref="IO.FileSizeSignal"/>): PowerShell's own caches
/// written past an inherited file size limit must fail, not end the session.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        IO.FileSizeSignal.Handle();
        OptionsStore.Import();
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
}
