using MmOperator.Options;

namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Shows where the module looks for mmctl, the MM repo, the bot's python and the audit log, the command timeout, and where each came from.</para>
/// What the import left out of the settings file is repeated as warnings, so it is not missed.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmOperatorOption")]
[OutputType(typeof(OptionsView))]
public sealed class GetMmOperatorOptionCommand : OperatorCmdlet
{
    public const string TypeName = "MmOperator.OperatorOption";

    protected override void EndProcessing()
    {
        _ = OptionsStore.TakeNewImportWarnings(); // written just below, so the first read of the options does not write them twice
        foreach (var warning in OptionsStore.ImportWarnings)
        {
            WriteWarning(warning);
        }

        WriteTyped(OptionsView.From(Options, OptionsStore.Sources, OptionsStore.SettingsPath), TypeName);
    }
}
