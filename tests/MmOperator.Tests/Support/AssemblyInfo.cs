// The module drives a Linux host (mmctl, flock, statx, Unix file modes); so do its tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
