using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MmOperator.Audit;

/// <summary>
/// The journal's secret: <c>&lt;journal&gt;.key</c>, created owner-only (0600) by the first append under
/// the journal's lock, holding 32 random bytes and the hash of the last record written before it
/// existed (the genesis hash for a new journal). Records after that one are HMAC-SHA256 with the key;
/// the ones before keep their plain SHA-256, and must all still be there.
/// </summary>
public sealed class JournalKey
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private JournalKey(byte[] secret, string unkeyedUntil)
    {
        Secret = secret;
        UnkeyedUntil = unkeyedUntil;
    }

    /// <summary>The hash of the last record written without a key.</summary>
    public string UnkeyedUntil { get; }

    private byte[] Secret { get; }

    public string Hash(string body) => Convert.ToHexString(HMACSHA256.HashData(Secret, Encoding.UTF8.GetBytes(body))).ToLowerInvariant();

    public static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    /// <summary>The key, or null when the journal has none yet.</summary>
    public static JournalKey? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException)
        {
            stored = null;
        }

        return stored is { Key.Length: 64, UnkeyedUntil.Length: 64 }
            ? new JournalKey(Convert.FromHexString(stored.Key), stored.UnkeyedUntil)
            : throw new IOException($"the journal key '{path}' is not one the module wrote");
    }

    /// <summary>Call under the journal's lock: the first append makes the key, naming the last unkeyed record.</summary>
    public static JournalKey LoadOrCreate(string path, string lastHash)
    {
        if (Load(path) is { } existing)
        {
            return existing;
        }

        var created = new Stored { Key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant(), UnkeyedUntil = lastHash };
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(created, Json));
            stream.Flush(flushToDisk: true);
        }

        return Load(path)!;
    }

    private sealed class Stored
    {
        public string Key { get; set; } = string.Empty;

        public string UnkeyedUntil { get; set; } = string.Empty;
    }
}
