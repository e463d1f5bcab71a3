using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MmOperator.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4: per family one <c># HELP</c> and one <c># TYPE</c>
/// line, then its samples as one group, <c>name{label="value",...} value</c>, every line ending in \n.
/// In a label value a backslash, a double quote and a line feed are escaped (<c>\\</c>, <c>\"</c>, <c>\n</c>);
/// in help text a backslash and a line feed.
/// </summary>
public static partial class PrometheusText
{
    /// <summary>What an HTTP endpoint would answer as its Content-Type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private const string HelpPrefix = "# HELP ";

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*\\z")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*\\z")]
    private static partial Regex LabelName();

    public static string Render(IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        var text = new StringBuilder();
        foreach (var family in families)
        {
            if (!MetricName().IsMatch(family.Name))
            {
                throw new ArgumentException($"'{family.Name}' is not a metric name.", nameof(families));
            }

            text.Append(HelpPrefix).Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var sample in family.Samples)
            {
                text.Append(family.Name);
                if (sample.Labels.Count > 0)
                {
                    text.Append('{').AppendJoin(',', sample.Labels.Select(Label)).Append('}');
                }

                text.Append(' ').Append(Number(sample.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Several expositions (one per host) as one: each family's HELP and TYPE once, from the first that has
    /// it, then its samples from every exposition in order. Plain concatenation would repeat a family's TYPE
    /// and split its samples, which the format forbids. Takes what <see cref="Render"/> writes.
    /// </summary>
    public static string Merge(IEnumerable<string> expositions)
    {
        ArgumentNullException.ThrowIfNull(expositions);
        var families = new Dictionary<string, (List<string> Header, List<string> Samples)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var exposition in expositions)
        {
            (List<string> Header, List<string> Samples)? current = null;
            var firstSeen = false;
            foreach (var line in exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith(HelpPrefix, StringComparison.Ordinal))
                {
                    var name = line[HelpPrefix.Length..].Split(' ')[0];
                    firstSeen = !families.ContainsKey(name);
                    if (firstSeen)
                    {
                        families[name] = ([line], []);
                        order.Add(name);
                    }

                    current = families[name];
                }
                else if (line.StartsWith("# TYPE ", StringComparison.Ordinal) && firstSeen)
                {
                    current!.Value.Header.Add(line);
                }
                else if (!line.StartsWith('#'))
                {
                    (current ?? throw new FormatException("A sample comes before any # HELP line.")).Samples.Add(line);
                }
            }
        }

        var merged = new StringBuilder();
        foreach (var (header, samples) in order.Select(name => families[name]))
        {
            foreach (var line in header.Concat(samples))
            {
                merged.Append(line).Append('\n');
            }
        }

        return merged.ToString();
    }

    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    public static string EscapeHelp(string help)
    {
        ArgumentNullException.ThrowIfNull(help);
        return help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>A value as Go's ParseFloat reads it back: NaN, +Inf, -Inf, else the shortest round-trip decimal.</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Label((string Name, string Value) label) =>
        LabelName().IsMatch(label.Name) && !label.Name.StartsWith("__", StringComparison.Ordinal)
            ? $"{label.Name}=\"{EscapeLabelValue(label.Value)}\""
            : throw new ArgumentException($"'{label.Name}' is not a label name.", nameof(label));
}
