// The module drives a Linux host: mmctl, flock, statx, Unix file modes and owners.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
