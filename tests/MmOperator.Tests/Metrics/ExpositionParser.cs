using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MmOperator.Tests.Metrics;

/// <summary>A parsed sample: its metric name, its labels unescaped, its value.</summary>
public sealed record ParsedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed family: its HELP text unescaped, its TYPE, its samples in order.</summary>
public sealed record ParsedFamily(string Name, string? Help, string? Type, List<ParsedSample> Samples);

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, written from the format's own rules
/// (prometheus.io/docs/instrumenting/exposition_formats), apart from the module's writer so that it can
/// disagree with it: every line ends in \n and is empty, a comment, a HELP or TYPE line, or a sample
/// <c>name{label="value",...} value [timestamp]</c>; names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
/// [a-zA-Z_][a-zA-Z0-9_]* (not __ reserved); label values escape only \\, \" and \n, help text only \\ and
/// \n; at most one HELP and one TYPE per family, the TYPE before its first sample; a family's samples are
/// one group; no two samples share a name and label set. Any breach is a FormatException naming the line.
/// </summary>
public static partial class ExpositionParser
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex("^[ \\t]+")]
    private static partial Regex Blanks();

    public static List<ParsedFamily> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The last line does not end in a line feed.");
        }

        var families = new Dictionary<string, ParsedFamily>(StringComparer.Ordinal);
        var order = new List<ParsedFamily>();
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var number = 1; number < lines.Length; number++)
        {
            var line = lines[number - 1].Trim(' ', '\t');
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                if (line.StartsWith('#'))
                {
                    var parts = line[1..].TrimStart(' ', '\t').Split([' ', '\t'], 3, StringSplitOptions.None);
                    if (parts[0] is not ("HELP" or "TYPE"))
                    {
                        continue;
                    }

                    if (parts.Length < 2 || !IsWhole(MetricName(), parts[1]))
                    {
                        throw new FormatException($"'{parts[0]}' names no valid metric.");
                    }

                    var family = Family(parts[1]);
                    Enter(parts[1]);
                    var rest = parts.Length > 2 ? parts[2] : string.Empty;
                    if (parts[0] == "HELP")
                    {
                        family = family.Help is null ? family with { Help = UnescapeHelp(rest) } : throw new FormatException($"A second HELP for {parts[1]}.");
                    }
                    else
                    {
                        family = family.Type is not null ? throw new FormatException($"A second TYPE for {parts[1]}.")
                            : family.Samples.Count > 0 ? throw new FormatException($"The TYPE of {parts[1]} comes after its samples.")
                            : Types.Contains(rest.Trim(' ', '\t')) ? family with { Type = rest.Trim(' ', '\t') }
                            : throw new FormatException($"'{rest}' is not a metric type.");
                    }

                    Replace(family);
                    continue;
                }

                var sample = Sample(line);
                Enter(sample.Name);
                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                if (!seen.Add(key))
                {
                    throw new FormatException($"A second sample {key}.");
                }

                Family(sample.Name).Samples.Add(sample);
            }
            catch (FormatException wrong)
            {
                throw new FormatException($"line {number}: {wrong.Message} ({lines[number - 1]})", wrong);
            }
        }

        return order;

        ParsedFamily Family(string name)
        {
            if (!families.TryGetValue(name, out var family))
            {
                family = new ParsedFamily(name, null, null, []);
                families[name] = family;
                order.Add(family);
            }

            return family;
        }

        void Replace(ParsedFamily family)
        {
            families[family.Name] = family;
            order[order.FindIndex(f => f.Name == family.Name)] = family;
        }

        // A family's lines are one group: once another family's line came, it may not come back.
        void Enter(string name)
        {
            if (current == name)
            {
                return;
            }

            if (closed.Contains(name))
            {
                throw new FormatException($"The lines of {name} are not one group.");
            }

            if (current is not null)
            {
                closed.Add(current);
            }

            current = name;
        }
    }

    private static ParsedSample Sample(string line)
    {
        var name = MetricName().Match(line);
        if (!name.Success)
        {
            throw new FormatException("A sample does not start with a metric name.");
        }

        var at = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (true)
            {
                at = SkipBlanks(line, at);
                if (at < line.Length && line[at] == '}')
                {
                    at++;
                    break;
                }

                var label = LabelName().Match(line[at..]);
                if (!label.Success || label.Value.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException("A label name is missing or not valid.");
                }

                at = SkipBlanks(line, at + label.Length);
                var quote = at < line.Length && line[at] == '=' ? SkipBlanks(line, at + 1) : line.Length;
                if (quote >= line.Length || line[quote] != '"')
                {
                    throw new FormatException($"The label {label.Value} has no =\"value\".");
                }

                (var value, at) = LabelValue(line, quote + 1);
                if (!labels.TryAdd(label.Value, value))
                {
                    throw new FormatException($"The label {label.Value} is given twice.");
                }

                at = SkipBlanks(line, at);
                if (at < line.Length && line[at] == ',')
                {
                    at++;
                }
                else if (at >= line.Length || line[at] != '}')
                {
                    throw new FormatException("Labels are not separated by ',' or closed by '}'.");
                }
            }
        }

        var blank = Blanks().Match(line[at..]);
        if (!blank.Success)
        {
            throw new FormatException("No blank between the metric and its value.");
        }

        var fields = line[(at + blank.Length)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 1 or > 2 || (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("A sample is a value and at most a timestamp (an integer) after its name.");
        }

        return new ParsedSample(name.Value, labels, Value(fields[0]));
    }

    /// <summary>A label value from just after its opening quote, with where its closing quote ends.</summary>
    private static (string Value, int End) LabelValue(string line, int at)
    {
        var value = new StringBuilder();
        for (; at < line.Length; at++)
        {
            switch (line[at])
            {
                case '"':
                    return (value.ToString(), at + 1);
                case '\\' when at + 1 < line.Length:
                    value.Append(line[++at] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var other => throw new FormatException($"'\\{other}' is not an escape of a label value."),
                    });
                    break;
                default:
                    value.Append(line[at]);
                    break;
            }
        }

        throw new FormatException("A label value is not closed.");
    }

    private static string UnescapeHelp(string text)
    {
        var help = new StringBuilder();
        for (var at = 0; at < text.Length; at++)
        {
            // An unknown escape stays as written in help text, as the format says.
            help.Append(text[at] == '\\' && at + 1 < text.Length && text[at + 1] is '\\' or 'n' ? (text[++at] == 'n' ? '\n' : '\\') : text[at]);
        }

        return help.ToString();
    }

    /// <summary>A value as Go's ParseFloat reads it: a decimal or NaN, Inf, +Inf, -Inf in any case.</summary>
    private static double Value(string text) => text.ToLowerInvariant() switch
    {
        "nan" => double.NaN,
        "+inf" or "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ when Regex.IsMatch(text, "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?\\z") => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"'{text}' is not a number."),
    };

    private static int SkipBlanks(string line, int at)
    {
        while (at < line.Length && line[at] is ' ' or '\t')
        {
            at++;
        }

        return at;
    }

    private static bool IsWhole(Regex pattern, string text) => pattern.Match(text) is { Success: true } match && match.Length == text.Length;
}
