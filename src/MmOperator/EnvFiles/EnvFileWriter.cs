using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MmOperator.IO;
using MmOperator.Reporting;

namespace MmOperator.EnvFiles;

/// <summary>What one edit did to one file.</summary>
public sealed record EnvEdit(string? PreviousValue, string? NewValue, bool Changed, string HashBefore, string HashAfter);

/// <summary>
/// Reads and changes .env files the way the host's own tools do, so neither loses the other's
/// updates: the flock on <c>&lt;file&gt;.lock</c> the advisor's apply script takes, a re-read under
/// it, a check that the result reads back exactly as intended through the host's parser, then a
/// temporary file in the same folder (same mode and owner), flushed to disk and renamed over the
/// original. A crash leaves the old file or the new one, never a torn one.
/// </summary>
public static partial class EnvFileWriter
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static EnvDocument Read(EnvFileTarget target, string repoPath) => Read(target, repoPath, out _);

    /// <summary>The file as an edit sees it, or refused when the host's tools would read its lines otherwise (see <see cref="ReadForEdit(EnvFileTarget, string, out byte[])"/>).</summary>
    public static EnvDocument ReadForEdit(EnvFileTarget target, string repoPath) => ReadForEdit(target, repoPath, out _);

    /// <summary>
    /// Sets (or, with a null value, removes) a key. <paramref name="expectedBefore"/> is the value the
    /// approved plan showed: if the file changed since, nothing is written.
    /// </summary>
    public static EnvEdit Apply(EnvFileTarget target, string repoPath, string key, string? newValue, string? expectedBefore)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            using var guard = FileLock.Acquire(target.Path + ".lock", LockWait);
            var document = ReadForEdit(target, repoPath, out var bytes);
            var before = document.ValueOf(key);
            var hashBefore = Sha256(bytes);
            if (before != expectedBefore)
            {
                throw new OperatorException(ErrorIds.EnvFileChanged, ErrorCategory.ResourceUnavailable, $"{key} in {target.Path} changed since the plan was approved (the plan showed {RunbookText.Value(expectedBefore)}, the file now has {RunbookText.Value(before)}). Nothing was written; look again and re-run.", target.Path);
            }

            if (before == newValue)
            {
                return new EnvEdit(before, newValue, false, hashBefore, hashBefore);
            }

            var text = newValue is null ? document.Remove(key) : document.Set(key, newValue);
            ReadsBackAsIntended(document.ToString(), text, key, newValue, target.Path);
            var newBytes = StrictUtf8.GetBytes(text);
            ReplaceAtomically(target.Path, newBytes);
            return new EnvEdit(before, newValue, true, hashBefore, Sha256(newBytes));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new OperatorException(ErrorIds.EnvWriteFailed, ErrorCategory.WriteError, $"{target.Path} could not be changed ({error.Message}). The file is as it was.", target.Path, error);
        }
    }

    private static EnvDocument Read(EnvFileTarget target, string repoPath, out byte[] bytes)
    {
        EnvFileTarget.Checked(target, repoPath);
        bytes = File.ReadAllBytes(target.Path);
        try
        {
            return EnvDocument.Parse(StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            throw new OperatorException(ErrorIds.EnvFileRefused, ErrorCategory.InvalidData, $"{target.Path} is not valid UTF-8 text; it is not edited.", target.Path);
        }
    }

    /// <summary>
    /// Refuses a file holding a line break that only the host's tools see (str.splitlines also ends a line at
    /// U+2028, U+2029, NEL, \v, \f and \x1c-\x1e): in a comment it makes the rest a live line for the host,
    /// so an edit would not do what its plan shows. The refusal names the line as an editor numbers it.
    /// </summary>
    private static EnvDocument ReadForEdit(EnvFileTarget target, string repoPath, out byte[] bytes)
    {
        var document = Read(target, repoPath, out bytes);
        var text = document.ToString();
        var at = PythonText.IndexOfOtherLineBreak(text);
        if (at < 0)
        {
            return document;
        }

        var line = EditorLineBreak().Count(text[..at]) + 1;
        throw new OperatorException(ErrorIds.EnvFileHostLineBreak, ErrorCategory.InvalidData, $"{target.Path} line {line} holds U+{(int)text[at]:X4}, which the host's tools read as a line break (whatever follows it on that line is a line of its own for them, even inside a comment). The module does not edit a file the host reads otherwise than it looks; nothing was changed. Have a human replace that character, then re-run.", target.Path);
    }

    [GeneratedRegex("\r\n|\n|\r")]
    private static partial Regex EditorLineBreak();

    /// <summary>Every other key keeps its value and this one has exactly the new value (or is gone), read as the host reads.</summary>
    private static void ReadsBackAsIntended(string before, string after, string key, string? value, string path)
    {
        var expected = new Dictionary<string, string>(HostEnvReader.ReadValues(before), StringComparer.Ordinal);
        if (value is null)
        {
            expected.Remove(key);
        }
        else
        {
            expected[key] = value;
        }

        var actual = HostEnvReader.ReadValues(after);
        if (actual.Count != expected.Count || expected.Any(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value))
        {
            throw new OperatorException(ErrorIds.EnvWriteFailed, ErrorCategory.InvalidResult, $"The edit of {key} in {path} would not read back as intended through the host's parser. Nothing was written.", path);
        }
    }

    private static void ReplaceAtomically(string path, byte[] content)
    {
        var mode = File.GetUnixFileMode(path);
        var owner = FileOwner.Get(path);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileName(path)}.mmoperator-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temp, mode);
            if (FileOwner.Get(temp) != owner)
            {
                FileOwner.Set(temp, owner);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
