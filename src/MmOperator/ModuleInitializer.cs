using System.Management.Automation;
using MmOperator.Options;

namespace MmOperator;

/// <summary>
/// Each import starts from the environment again: MMOPERATOR_* variables and the settings file override
/// the defaults at import, and what the settings file could not give is said as warnings.
/// It also makes the agent launcher executable again: a .nupkg (zip) does not keep Unix file modes.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        OptionsStore.Import();
        WarnAboutSettings();
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

    /// <summary>Import-Module has no warning stream for an initializer: a nested pipeline's Write-Warning reaches the host.</summary>
    private static void WarnAboutSettings()
    {
        if (OptionsStore.ImportWarnings.Count == 0)
        {
            return;
        }

        try
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            foreach (var warning in OptionsStore.ImportWarnings)
            {
                shell.AddCommand("Write-Warning").AddParameter("Message", warning).AddStatement();
            }

            shell.Invoke();
        }
        catch (Exception error) when (error is InvalidOperationException or RuntimeException)
        {
            // Imported off the pipeline thread or where Write-Warning is not visible: Get-MmOperatorOption repeats them.
        }
    }
}
