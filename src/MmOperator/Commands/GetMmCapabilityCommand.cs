using MmOperator.Runbook;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Lists every action the runbook names: whether it is supported here, its cmdlet, and whether it needs approval.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmCapability")]
[OutputType(typeof(Capability))]
public sealed class GetMmCapabilityCommand : OperatorCmdlet
{
    protected override void EndProcessing()
    {
        foreach (var capability in Capabilities.All)
        {
            WriteTyped(capability, Capability.TypeName);
        }
    }
}
