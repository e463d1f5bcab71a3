namespace MmOperator.Metrics;

/// <summary>One metric family of the Prometheus text format: its name, help and type, then its samples.</summary>
public sealed record MetricFamily(string Name, string Help, string Type, IReadOnlyList<MetricSample> Samples);

/// <summary>One sample of a family: its labels in order, as (name, value), and its value.</summary>
public sealed record MetricSample(IReadOnlyList<(string Name, string Value)> Labels, double Value);
