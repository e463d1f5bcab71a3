using System.Text;

namespace MmOperator.Status;

/// <summary>
/// A bot's log file, read only and shared with the bot that writes it: its last lines, then (when
/// followed) each line as it is appended. Lines come back as text for people, control characters
/// replaced so that a log line cannot move the cursor or recolour the terminal; the caller masks secrets.
/// </summary>
public static class BotLog
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>The most a tail reads back; older text is left out, so a huge line cannot fill memory.</summary>
    public const int MaxTailBytes = 4 * 1024 * 1024;

    private const int Block = 64 * 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>The last <paramref name="count"/> lines, and the file's length when they were read (where following starts).</summary>
    public static (IReadOnlyList<string> Lines, long End) Tail(string path, int count)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Reading(path, () =>
        {
            using var file = Open(path);
            var end = file.Length;
            var start = count == 0 ? end : StartOfLastLines(file, count);
            file.Seek(start, SeekOrigin.Begin);
            var bytes = new byte[end - start];
            file.ReadExactly(bytes);
            var lines = Utf8.GetString(bytes).Split('\n').Select(Printable).ToList();
            if (lines.Count > 0 && lines[^1].Length == 0)
            {
                lines.RemoveAt(lines.Count - 1);
            }

            return ((IReadOnlyList<string>)lines, end);
        });
    }

    /// <summary>
    /// The lines appended after <paramref name="from"/>, as they come, until <paramref name="pause"/>
    /// answers false (Ctrl+C). A file that shrank was truncated or replaced: it is read from its start.
    /// </summary>
    public static IEnumerable<string> Follow(string path, long from, Func<TimeSpan, bool> pause)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(pause);
        var position = from;
        var decoder = Utf8.GetDecoder();
        var partial = new StringBuilder();
        while (pause(PollInterval))
        {
            var (text, next) = Reading(path, () => ReadFrom(path, position, decoder));
            position = next;
            partial.Append(text);
            var lines = partial.ToString().Split('\n');
            partial.Clear().Append(lines[^1]);
            foreach (var line in lines[..^1])
            {
                yield return Printable(line);
            }
        }
    }

    /// <summary>A line as it may be shown: a trailing CR dropped, other control characters but tab as U+FFFD.</summary>
    public static string Printable(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.EndsWith('\r') ? line[..^1] : line;
        return text.Any(c => char.IsControl(c) && c != '\t')
            ? string.Concat(text.Select(c => char.IsControl(c) && c != '\t' ? '\uFFFD' : c))
            : text;
    }

    /// <summary>Where the last lines begin: just after the count-th line break from the end (one ending the file does not count).</summary>
    private static long StartOfLastLines(FileStream file, int count)
    {
        var end = file.Length;
        var limit = Math.Max(0, end - MaxTailBytes);
        var buffer = new byte[Block];
        var breaks = 0;
        var position = end;
        while (position > limit)
        {
            var size = (int)Math.Min(Block, position - limit);
            position -= size;
            file.Seek(position, SeekOrigin.Begin);
            file.ReadExactly(buffer, 0, size);
            for (var i = size - 1; i >= 0; i--)
            {
                if (buffer[i] == '\n' && position + i != end - 1 && ++breaks == count)
                {
                    return position + i + 1;
                }
            }
        }

        return limit;
    }

    private static (string Text, long Next) ReadFrom(string path, long position, Decoder decoder)
    {
        if (!File.Exists(path))
        {
            return (string.Empty, 0);
        }

        using var file = Open(path);
        var start = file.Length < position ? 0 : position;
        file.Seek(start, SeekOrigin.Begin);
        var bytes = new byte[file.Length - start];
        file.ReadExactly(bytes);
        var chars = new char[decoder.GetCharCount(bytes, flush: false)];
        decoder.GetChars(bytes, chars, flush: false);
        return (new string(chars), start + bytes.Length);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    private static T Reading<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new OperatorException(ErrorIds.BotLogNotFound, ErrorCategory.ObjectNotFound, $"There is no bot log at '{path}' yet: the bot writes it once it has been started. Check the market's state with Get-MmMarket.", path, missing);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException(ErrorIds.BotLogUnreadable, ErrorCategory.ReadError, $"The bot log '{path}' cannot be read ({error.Message}). Check its permissions, or ask the host's owner.", path, error);
        }
    }
}
