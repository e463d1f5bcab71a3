using System.Management.Automation;
using MmOperator.Options;

namespace MmOperator;

/// <summary>Each import starts from the environment again: MMOPERATOR_* variables override the defaults at import.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport() => OptionsStore.Import();
}
