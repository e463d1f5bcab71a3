using System.Management.Automation.Runspaces;

namespace MmOperator.Tests.Support;

/// <summary>A PowerShell session in this process with the module imported (Microsoft.PowerShell.SDK); disposing it reloads the process's options.</summary>
public sealed class InProcessSession : IDisposable
{
    public InProcessSession()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(typeof(MmOperator.Commands.GetMmStatusCommand).Assembly.Location);
        Shell = PowerShell.Create(state);
    }

    public PowerShell Shell { get; }

    /// <summary>Runs a script with positional arguments ($args); its errors are left in Shell.Streams.Error.</summary>
    public List<PSObject> Invoke(string script, params object[] arguments)
    {
        Shell.Commands.Clear();
        Shell.Streams.ClearStreams();
        Shell.AddScript(script);
        foreach (var argument in arguments)
        {
            Shell.AddArgument(argument);
        }

        return Shell.Invoke().ToList();
    }

    public void Dispose()
    {
        Shell.Dispose();
        OptionsStore.Import();
    }
}
