using System.Text;

namespace MmOperator.Metrics;

/// <summary>
/// A file for node_exporter's textfile collector, written as it expects: the whole text to a temporary
/// file in the same folder (not named *.prom, so the collector skips it), made readable by everyone
/// (0644: node_exporter runs as a user of its own), then renamed over the target, so a scrape never
/// reads half a file.
/// </summary>
public static class MetricsFile
{
    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The full path, or the refusal: the collector reads only *.prom files in a folder that exists.</summary>
    public static string Target(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (!full.EndsWith(".prom", StringComparison.Ordinal))
        {
            throw new OperatorException(ErrorIds.MetricsPathRefused, ErrorCategory.InvalidArgument, $"'{Reporting.VisibleText.Of(full)}' does not end in .prom, and node_exporter's textfile collector reads only *.prom files. Nothing was written; name the file like /var/lib/node_exporter/textfile/mmoperator.prom.", path);
        }

        if (!Directory.Exists(Path.GetDirectoryName(full)) || Directory.Exists(full))
        {
            throw new OperatorException(ErrorIds.MetricsPathRefused, ErrorCategory.ObjectNotFound, $"'{Reporting.VisibleText.Of(full)}' is not a file in an existing folder. Nothing was written; give a file in the folder node_exporter's --collector.textfile.directory names.", path);
        }

        return full;
    }

    public static void Write(string target, string text)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(text);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Readable }))
            {
                stream.Write(new UTF8Encoding(false).GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            // The umask may have taken bits off the create mode.
            File.SetUnixFileMode(temporary, Readable);
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new OperatorException(ErrorIds.MetricsWriteFailed, ErrorCategory.WriteError, $"The metrics could not be written to '{Reporting.VisibleText.Of(target)}' ({failure.Message}). The file is as it was; check the folder's permissions.", target, failure);
        }
    }
}
