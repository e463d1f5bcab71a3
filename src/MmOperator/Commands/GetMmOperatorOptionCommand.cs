using System.Management.Automation;
using MmOperator.Options;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows where the module looks for mmctl, the MM repo, the bot's python and the audit log, and the command timeout.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmOperatorOption")]
[OutputType(typeof(OperatorOptions))]
public sealed class GetMmOperatorOptionCommand : OperatorCmdlet
{
    public const string TypeName = "MmOperator.OperatorOption";

    protected override void EndProcessing() => WriteTyped(Options, TypeName);
}
