namespace MmOperator.Commands;

/// <summary>
/// <para type="synopsis">Gets the text of an about_ topic shipped with the module, read without a PowerShell provider.</para>
/// The restricted session has no providers (a visible FileSystem provider would let ${/path} read files),
/// so its Get-Help answers about_ topics through this cmdlet.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MmHelpTopic")]
[OutputType(typeof(string))]
public sealed class GetMmHelpTopicCommand : PSCmdlet
{
    /// <summary>The topic, such as about_MmOperator.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern("^about_[A-Za-z0-9_]{1,64}$")]
    public string Name { get; set; } = string.Empty;

    protected override void ProcessRecord()
    {
        var folder = Path.Combine(Path.GetDirectoryName(typeof(GetMmHelpTopicCommand).Assembly.Location)!, "en-US");
        var file = Path.Combine(folder, Name + ".help.txt");
        if (!File.Exists(file))
        {
            var topics = Directory.Exists(folder) ? string.Join(", ", Directory.EnumerateFiles(folder, "about_*.help.txt").Select(f => Path.GetFileName(f)[..^".help.txt".Length]).Order(StringComparer.Ordinal)) : "none";
            WriteError(new OperatorException(ErrorIds.HelpTopicNotFound, ErrorCategory.ObjectNotFound, $"The module has no help topic '{Name}'. Its topics: {topics}.", Name).ToErrorRecord());
            return;
        }

        WriteObject(File.ReadAllText(file));
    }
}
