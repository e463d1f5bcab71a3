using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MmOperator.IO;

namespace MmOperator.Approvals;

/// <summary>
/// Approval requests and tickets, one JSON file each in a private folder beside the audit journal,
/// each sealed with an HMAC whose key only this store reads (owner-only file). A restricted session
/// has no file access, so it can change them only through the module; a hand-made or edited file
/// fails its seal. Every change happens under one lock, so a ticket is used once.
/// </summary>
public sealed partial class ApprovalStore
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(30);

    /// <summary>How many usable (pending, unexpired) requests one account may have at a time.</summary>
    public const int DefaultPendingLimit = 20;

    /// <summary>How long a used, denied or expired request is kept before it is deleted (the journal keeps its history).</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(24);

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public ApprovalStore(string folder, int pendingLimit = DefaultPendingLimit, TimeSpan? retention = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Folder = folder;
        PendingLimit = pendingLimit;
        Retention = retention ?? DefaultRetention;
    }

    public string Folder { get; }

    public int PendingLimit { get; }

    public TimeSpan Retention { get; }

    [GeneratedRegex("^apr-[0-9a-f]{12}\\z")]
    private static partial Regex IdPattern();

    /// <summary>
    /// Files a request after deleting finished ones older than the retention; refused when its account
    /// already has <see cref="PendingLimit"/> pending, so a flood cannot bury the real ones.
    /// </summary>
    public ApprovalRequest File(ApprovalRequest request, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var guard = Lock();
        var now = DateTime.UtcNow;
        Prune(now);
        var pending = List().Count(r => r.Owner == request.Owner && r.State == ApprovalState.Pending && !r.IsExpired(now));
        if (pending >= PendingLimit)
        {
            throw new OperatorException(ErrorIds.ApprovalRequestLimit, ErrorCategory.LimitsExceeded, $"{request.Owner} already has {pending} pending approval requests (the limit is {PendingLimit}); no request was filed and nothing ran. Wait until a human decides them or they expire, or re-run an approved one with its -ApprovalId.", request.Owner);
        }

        request.Id = "apr-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        request.RequestedAt = now;
        request.ExpiresAt = request.RequestedAt + lifetime;
        request.State = ApprovalState.Pending;
        Save(request);
        return request;
    }

    /// <summary>Every request whose seal holds; forged files are left out.</summary>
    public IEnumerable<ApprovalRequest> List()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(Folder, "apr-*.json").Select(f => TryLoad(Path.GetFileNameWithoutExtension(f), out var r) ? r : null).OfType<ApprovalRequest>().OrderBy(r => r.RequestedAt).ToList();
    }

    /// <summary>A human's decision: Pending to Approved or Denied.</summary>
    public ApprovalRequest Decide(string id, bool approve, string decidedBy)
    {
        using var guard = Lock();
        var request = Load(id);
        if (request.State != ApprovalState.Pending || request.IsExpired(DateTime.UtcNow))
        {
            throw Rejected(id, request.IsExpired(DateTime.UtcNow) ? "it has expired" : $"it is already {request.State}");
        }

        request.State = approve ? ApprovalState.Approved : ApprovalState.Denied;
        request.DecidedBy = decidedBy;
        request.DecidedAt = DateTime.UtcNow;
        Save(request);
        return request;
    }

    /// <summary>Uses an approved ticket for exactly this cmdlet and Plan, once; otherwise says why not.</summary>
    public ApprovalRequest Consume(string id, string binding)
    {
        using var guard = Lock();
        var request = Load(id);
        var now = DateTime.UtcNow;
        var problem = request.State switch
        {
            ApprovalState.Pending => "it is not approved yet",
            ApprovalState.Denied => "it was denied",
            ApprovalState.Used => "it was already used (tickets are single use)",
            _ when request.IsExpired(now) => "it has expired",
            _ when request.Binding != binding => "it approves a different command: the action, market, key, value or reason differ from what was approved",
            _ => null,
        };
        if (problem is not null)
        {
            throw Rejected(id, problem);
        }

        request.State = ApprovalState.Used;
        request.UsedAt = now;
        Save(request);
        return request;
    }

    /// <summary>Deletes requests that were used, denied or expired longer than the retention ago.</summary>
    private void Prune(DateTime now)
    {
        foreach (var old in List().Where(r => r.FinishedAt(now) is { } finished && finished <= now - Retention))
        {
            System.IO.File.Delete(PathOf(old.Id));
        }
    }

    private ApprovalRequest Load(string id) =>
        TryLoad(id, out var request) ? request! : throw Rejected(id, System.IO.File.Exists(PathOf(id)) ? "its record is not one this store sealed (hand-made or edited)" : "there is no such request");

    private bool TryLoad(string id, out ApprovalRequest? request)
    {
        request = null;
        if (!IdPattern().IsMatch(id) || !System.IO.File.Exists(PathOf(id)))
        {
            return false;
        }

        try
        {
            var loaded = JsonSerializer.Deserialize<ApprovalRequest>(System.IO.File.ReadAllText(PathOf(id)), Json);
            if (loaded is null || loaded.Id != id || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(loaded.Mac), Encoding.ASCII.GetBytes(Seal(loaded))))
            {
                return false;
            }

            request = loaded;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Save(ApprovalRequest request)
    {
        request.Mac = Seal(request);
        var file = PathOf(request.Id);
        var temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using (var stream = new FileStream(temp, options))
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(request, Json));
            stream.Flush(flushToDisk: true);
        }

        System.IO.File.Move(temp, file, overwrite: true);
    }

    private string Seal(ApprovalRequest request)
    {
        var mac = request.Mac;
        request.Mac = string.Empty;
        var content = JsonSerializer.SerializeToUtf8Bytes(request, Json);
        request.Mac = mac;
        return Convert.ToHexString(HMACSHA256.HashData(Key(), content)).ToLowerInvariant();
    }

    private byte[] Key()
    {
        var path = Path.Combine(Folder, "seal.key");
        if (!System.IO.File.Exists(path))
        {
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
            stream.Write(RandomNumberGenerator.GetBytes(32));
        }

        return System.IO.File.ReadAllBytes(path);
    }

    private FileStream Lock()
    {
        Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return FileLock.Acquire(Path.Combine(Folder, "store.lock"), LockWait);
    }

    private string PathOf(string id) => Path.Combine(Folder, id + ".json");

    private static OperatorException Rejected(string id, string why) =>
        new(ErrorIds.ApprovalRejected, ErrorCategory.PermissionDenied, $"Approval {Reporting.VisibleText.QuoteName(id, ApprovalRequest.IdLength)} cannot be used: {why}. Nothing ran.", id);
}
