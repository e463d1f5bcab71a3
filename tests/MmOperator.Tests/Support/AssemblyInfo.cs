// The module drives a Linux host (mmctl, flock, Unix file modes); so do its tests.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
