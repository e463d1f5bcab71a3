using MmOperator.Sandbox;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Creates a stand-in host (mmctl, MM repo, advisor scripts) to practise and test on.</para>
/// Pipe the result into Set-MmOperatorOption to point the session at it.
/// </summary>
[Cmdlet(VerbsCommon.New, "MmSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(SandboxInfo))]
public sealed class NewMmSandboxCommand : OperatorCmdlet
{
    /// <summary>A new or empty folder; default: a new folder under the temporary folder.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Markets to create, as symbols (ETH-USD, SPX500m-USD) or slugs (eth).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Market { get; set; } = [.. SandboxBuilder.DefaultMarkets];

    /// <summary>The interpreter the stand-ins run with; default: the first native python3 on PATH.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PythonPath { get; set; }

    protected override void EndProcessing()
    {
        var root = Path is null
            ? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mmsandbox-" + System.IO.Path.GetRandomFileName().Replace(".", string.Empty, StringComparison.Ordinal))
            : ResolveUserPath(Path);
        var python = PythonPath is null ? SandboxBuilder.FindPython(Environment.GetEnvironmentVariable("PATH")) : ResolveUserPath(PythonPath);
        if (python is null || !File.Exists(python))
        {
            ThrowTerminatingError(new OperatorException(ErrorIds.SandboxPythonNotFound, ErrorCategory.ObjectNotFound, "No python3 was found for the sandbox's stand-in host. Install python3 or pass -PythonPath.", python).ToErrorRecord());
            return;
        }

        if (!ShouldProcess(root, $"Create a sandbox host with markets {string.Join(", ", Market)}"))
        {
            return;
        }

        try
        {
            WriteTyped(SandboxBuilder.Create(root, Market, python), SandboxInfo.TypeName);
        }
        catch (OperatorException refusal)
        {
            ThrowTerminatingError(refusal.ToErrorRecord());
        }
    }
}
