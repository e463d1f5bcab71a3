using Xunit.Abstractions;
using Xunit.Sdk;

namespace MmOperator.Tests.Conformance;

/// <summary>A theory whose cases are named after their scenario file alone ("036-mmctl-stop-ignores-sigint.json").</summary>
[XunitTestCaseDiscoverer("MmOperator.Tests.Conformance.ScenarioCaseDiscoverer", "MmOperator.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScenarioTheoryAttribute : TheoryAttribute
{
}

/// <summary>Makes one <see cref="ScenarioCase"/> per data row (the scenario file name).</summary>
public sealed class ScenarioCaseDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow) =>
        [new ScenarioCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, dataRow)];
}

/// <summary>A theory case displayed as its scenario file name.</summary>
public sealed class ScenarioCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer only.", error: true)]
    public ScenarioCase()
    {
    }

    public ScenarioCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod, object[] testMethodArguments)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => (string)TestMethodArguments[0];
}
