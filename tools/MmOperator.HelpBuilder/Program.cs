using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using YamlDotNet.Serialization;

// Usage: MmOperator.HelpBuilder <docs/en-US> <module/en-US>
// Writes MmOperator.dll-Help.xml (MAML) from the cmdlet pages and about_*.help.txt from the about pages.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: MmOperator.HelpBuilder <docs folder> <output folder>");
    return 2;
}

Directory.CreateDirectory(args[1]);
var pages = Directory.GetFiles(args[0], "*.md").Order(StringComparer.Ordinal).ToList();
var commands = pages.Where(p => !Path.GetFileName(p).StartsWith("about_", StringComparison.Ordinal)).Select(HelpPage.Parse).ToList();
Maml.Write(commands, Path.Combine(args[1], "MmOperator.dll-Help.xml"));
foreach (var about in pages.Where(p => Path.GetFileName(p).StartsWith("about_", StringComparison.Ordinal)))
{
    File.WriteAllText(Path.Combine(args[1], Path.GetFileNameWithoutExtension(about) + ".help.txt"), AboutText(File.ReadAllText(about)));
}

Console.WriteLine($"Help: {commands.Count} cmdlets, {pages.Count - commands.Count} about topics -> {args[1]}");
return 0;

static string AboutText(string markdown) => string.Join('\n', markdown.Split('\n').Select(line => line.StartsWith('#')
    ? line.TrimStart('#').Trim().ToUpperInvariant()
    : line.Replace("`", string.Empty, StringComparison.Ordinal)));

/// <summary>One cmdlet page of the PlatyPS schema, read with Markdig (structure) and YamlDotNet (front matter, parameter blocks).</summary>
internal sealed record HelpPage(
    string Name,
    string Synopsis,
    List<string> Description,
    List<(string Title, string Code, List<string> Remarks)> Examples,
    List<HelpParameter> Parameters,
    List<(string Type, List<string> Text)> Inputs,
    List<(string Type, List<string> Text)> Outputs,
    List<string> Notes,
    List<string> Links)
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    public static HelpPage Parse(string path)
    {
        var text = File.ReadAllText(path);
        var document = Markdown.Parse(text, Pipeline);
        var page = new HelpPage(string.Empty, string.Empty, [], [], [], [], [], [], []);
        string section = string.Empty, sub = string.Empty, name = string.Empty;
        var synopsis = new List<string>();
        foreach (var block in document)
        {
            var source = text.Substring(block.Span.Start, block.Span.Length);
            switch (block)
            {
                case YamlFrontMatterBlock:
                    continue;
                case HeadingBlock { Level: 1 }:
                    name = Plain(source.TrimStart('#'));
                    continue;
                case HeadingBlock { Level: 2 }:
                    section = Plain(source.TrimStart('#'));
                    sub = string.Empty;
                    continue;
                case HeadingBlock { Level: 3 }:
                    sub = Plain(source.TrimStart('#'));
                    Open(page, section, sub);
                    continue;
            }

            var code = block is FencedCodeBlock fenced ? string.Join('\n', fenced.Lines.Lines.Take(fenced.Lines.Count).Select(l => l.ToString())) : null;
            var info = (block as FencedCodeBlock)?.Info ?? string.Empty;
            var para = code is null ? Plain(source) : null;
            switch (section)
            {
                case "SYNOPSIS" when para is not null: synopsis.Add(para); break;
                case "DESCRIPTION": page.Description.Add(para ?? code!); break;
                case "EXAMPLES" when page.Examples.Count > 0:
                    var example = page.Examples[^1];
                    if (code is not null && example.Code.Length == 0)
                    {
                        page.Examples[^1] = example with { Code = code };
                    }
                    else
                    {
                        example.Remarks.Add(para ?? code!);
                    }

                    break;
                case "PARAMETERS" when page.Parameters.Count > 0 && sub.StartsWith('-'):
                    var parameter = page.Parameters[^1];
                    if (code is not null && info == "yaml")
                    {
                        parameter.Fields = Yaml.Deserialize<Dictionary<string, string?>>(code) ?? [];
                    }
                    else
                    {
                        parameter.Description.Add(para ?? code!);
                    }

                    break;
                case "INPUTS" when page.Inputs.Count > 0: page.Inputs[^1].Text.Add(para ?? code!); break;
                case "OUTPUTS" when page.Outputs.Count > 0: page.Outputs[^1].Text.Add(para ?? code!); break;
                case "NOTES": page.Notes.Add(para ?? code!); break;
                case "RELATED LINKS" when para is not null: page.Links.Add(Regex.Replace(para, @"\[([^\]]+)\]\([^)]*\)", "$1")); break;
            }
        }

        return page with { Name = name, Synopsis = string.Join(' ', synopsis) };
    }

    private static void Open(HelpPage page, string section, string sub)
    {
        switch (section)
        {
            case "EXAMPLES": page.Examples.Add((sub, string.Empty, [])); break;
            case "PARAMETERS" when sub.StartsWith('-'): page.Parameters.Add(new HelpParameter(sub[1..])); break;
            case "INPUTS": page.Inputs.Add((sub, [])); break;
            case "OUTPUTS": page.Outputs.Add((sub, [])); break;
        }
    }

    private static string Plain(string markdown) => Regex.Replace(markdown.Replace("`", string.Empty, StringComparison.Ordinal), @"\s*\n\s*", " ").Trim();
}

internal sealed class HelpParameter(string name)
{
    public string Name { get; } = name;

    public List<string> Description { get; } = [];

    public Dictionary<string, string?> Fields { get; set; } = [];

    public string Field(string key, string fallback = "") => Fields.TryGetValue(key, out var value) && value is not null ? value : fallback;

    public IEnumerable<string> Sets => Field("Parameter Sets", "(All)").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Writes MAML, the XML PowerShell's Get-Help reads for binary modules.</summary>
internal static class Maml
{
    private const string MamlNs = "http://schemas.microsoft.com/maml/2004/10";
    private const string CommandNs = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string DevNs = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(IEnumerable<HelpPage> pages, string path)
    {
        using var xml = XmlWriter.Create(path, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        xml.WriteStartElement("helpItems", "http://msh");
        xml.WriteAttributeString("schema", "maml");
        foreach (var page in pages)
        {
            Command(xml, page);
        }

        xml.WriteEndElement();
    }

    private static void Command(XmlWriter xml, HelpPage page)
    {
        xml.WriteStartElement("command", "command", CommandNs);
        xml.WriteAttributeString("xmlns", "maml", null, MamlNs);
        xml.WriteAttributeString("xmlns", "dev", null, DevNs);
        xml.WriteStartElement("command", "details", CommandNs);
        xml.WriteElementString("command", "name", CommandNs, page.Name);
        xml.WriteElementString("command", "verb", CommandNs, page.Name.Split('-')[0]);
        xml.WriteElementString("command", "noun", CommandNs, page.Name.Split('-', 2)[^1]);
        Paras(xml, "description", [page.Synopsis]);
        xml.WriteEndElement();
        Paras(xml, "description", page.Description);

        xml.WriteStartElement("command", "syntax", CommandNs);
        var sets = page.Parameters.SelectMany(p => p.Sets).Where(s => s != "(All)").Distinct().DefaultIfEmpty("(All)");
        foreach (var set in sets)
        {
            xml.WriteStartElement("command", "syntaxItem", CommandNs);
            xml.WriteElementString("maml", "name", MamlNs, page.Name);
            foreach (var parameter in page.Parameters.Where(p => p.Sets.Contains(set) || p.Sets.Contains("(All)")))
            {
                Parameter(xml, parameter, withDetails: false);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("command", "parameters", CommandNs);
        foreach (var parameter in page.Parameters)
        {
            Parameter(xml, parameter, withDetails: true);
        }

        xml.WriteEndElement();
        Types(xml, "inputTypes", "inputType", page.Inputs);
        Types(xml, "returnValues", "returnValue", page.Outputs);
        xml.WriteStartElement("maml", "alertSet", MamlNs);
        xml.WriteStartElement("maml", "alert", MamlNs);
        foreach (var note in page.Notes)
        {
            xml.WriteElementString("maml", "para", MamlNs, note);
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("command", "examples", CommandNs);
        foreach (var (title, code, remarks) in page.Examples)
        {
            xml.WriteStartElement("command", "example", CommandNs);
            xml.WriteElementString("maml", "title", MamlNs, $"-------------------------- {title} --------------------------");
            xml.WriteElementString("dev", "code", DevNs, code);
            xml.WriteStartElement("dev", "remarks", DevNs);
            foreach (var remark in remarks)
            {
                xml.WriteElementString("maml", "para", MamlNs, remark);
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("command", "relatedLinks", CommandNs);
        foreach (var link in page.Links)
        {
            xml.WriteStartElement("maml", "navigationLink", MamlNs);
            xml.WriteElementString("maml", "linkText", MamlNs, link);
            xml.WriteElementString("maml", "uri", MamlNs, string.Empty);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void Parameter(XmlWriter xml, HelpParameter parameter, bool withDetails)
    {
        var type = parameter.Field("Type", "Object");
        xml.WriteStartElement("command", "parameter", CommandNs);
        xml.WriteAttributeString("required", parameter.Field("Required", "False").ToLowerInvariant());
        xml.WriteAttributeString("variableLength", type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        xml.WriteAttributeString("globbing", parameter.Field("Accept wildcard characters", "False").ToLowerInvariant());
        xml.WriteAttributeString("pipelineInput", parameter.Field("Accept pipeline input", "False"));
        xml.WriteAttributeString("position", string.Equals(parameter.Field("Position", "Named"), "Named", StringComparison.OrdinalIgnoreCase) ? "named" : parameter.Field("Position"));
        xml.WriteAttributeString("aliases", parameter.Field("Aliases") is { Length: > 0 } aliases ? aliases : "none");
        xml.WriteElementString("maml", "name", MamlNs, parameter.Name);
        if (withDetails)
        {
            Paras(xml, "description", parameter.Description);
        }

        if (type != "SwitchParameter")
        {
            xml.WriteStartElement("command", "parameterValue", CommandNs);
            xml.WriteAttributeString("required", "true");
            xml.WriteAttributeString("variableLength", "false");
            xml.WriteString(type);
            xml.WriteEndElement();
        }

        if (withDetails)
        {
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, type);
            xml.WriteEndElement();
            xml.WriteElementString("dev", "defaultValue", DevNs, parameter.Field("Default value", "None"));
        }

        xml.WriteEndElement();
    }

    private static void Types(XmlWriter xml, string outer, string inner, List<(string Type, List<string> Text)> types)
    {
        xml.WriteStartElement("command", outer, CommandNs);
        foreach (var (type, text) in types)
        {
            xml.WriteStartElement("command", inner, CommandNs);
            xml.WriteStartElement("dev", "type", DevNs);
            xml.WriteElementString("maml", "name", MamlNs, type);
            xml.WriteEndElement();
            Paras(xml, "description", text);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    private static void Paras(XmlWriter xml, string element, IEnumerable<string> paras)
    {
        xml.WriteStartElement("maml", element, MamlNs);
        foreach (var para in paras)
        {
            xml.WriteElementString("maml", "para", MamlNs, para);
        }

        xml.WriteEndElement();
    }
}
