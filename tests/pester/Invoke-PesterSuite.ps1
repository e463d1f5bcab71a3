<#
.SYNOPSIS
    Runs *.Tests.ps1 files here (all of them, or the ones named by -Path) with Pester 5.7.1 (from the
    NuGet cache) against a built module, in this process.
    Writes to -ResultPath, for build.ps1 to add to the xUnit counts: Passed, Failed, Skipped, each file's
    duration, each test's duration and result, and every failure (test, block or file) with its message.
.DESCRIPTION
    build.ps1 Test starts several of these at once (workers): one with the files that need a process of
    their own (-Path), the others taking the next file from a shared queue (-Queue, longest first) until
    it is empty, so that no worker is left with a long tail while another one idles.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultPath,
    # Test files (several: separated by commas, as pwsh -File passes one string)
    [string[]] $Path = @(),
    # A file of test file paths, one per line, shared by workers: each takes the first line under a lock
    [string] $Queue,
    # Pester.psd1, when the caller already knows where it is (else from the NuGet cache, asking dotnet)
    [string] $PesterPath
)
$Path = @($Path -split ',' | Where-Object { $_ })
$ErrorActionPreference = 'Stop'

# A worker that cannot run its files (Pester missing, a broken module path) still writes results:
# one failure that says why, for build.ps1's summary.
trap {
    [pscustomobject]@{
        Passed = 0; Failed = 1; Skipped = 0; Files = @(); Tests = @()
        Failures = @([pscustomobject]@{ Name = 'Pester worker (crashed)'; File = ''; Message = "$_`n$($_.InvocationInfo.PositionMessage)`n$($_.ScriptStackTrace)" })
    } | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath
    exit 1
}

if (-not $PesterPath) {
    $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $PesterPath = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
}
Import-Module $PesterPath -Force

# The test files import the module from here; every file gets a fresh sandbox of its own.
$env:MMOPERATOR_TEST_MODULE = (Resolve-Path $ModulePath).Path

# The tests run with PowerShell's default preferences, as a user's session would.
$ErrorActionPreference = 'Continue'
function Get-NextFile([string] $Queue) {
    # FileShare.None is an exclusive flock on Unix: one worker at a time takes the first line.
    while ($true) {
        try { $stream = [IO.File]::Open($Queue, 'Open', 'ReadWrite', 'None') }
        catch [IO.IOException] { Start-Sleep -Milliseconds 10; continue }
        try {
            $lines = @(([IO.StreamReader]::new($stream)).ReadToEnd() -split "`n" | Where-Object { $_ })
            if (-not $lines) { return $null }
            $stream.SetLength(0)
            $writer = [IO.StreamWriter]::new($stream)
            $writer.Write((($lines | Select-Object -Skip 1) -join "`n"))
            $writer.Flush()
            return $lines[0]
        }
        finally { $stream.Dispose() }
    }
}

function Invoke-Files([string[]] $Files) {
    $config = New-PesterConfiguration
    $config.Run.Path = $Files
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    Invoke-Pester -Configuration $config
}

# None when the queue was empty before this worker took a file.
$results = @(@(
        if ($Queue) { while ($file = Get-NextFile $Queue) { Invoke-Files $file } }
        elseif ($Path.Count) { Invoke-Files $Path }
        else { Invoke-Files $PSScriptRoot }
    ) | Where-Object { $_ })
function Get-Message($ErrorRecords) { (@($ErrorRecords) | ForEach-Object { "$_" }) -join "`n" }

$failures = @(
    foreach ($test in $results.Failed) { [pscustomobject]@{ Name = $test.ExpandedPath; File = Split-Path -Leaf $test.ScriptBlock.File; Message = Get-Message $test.ErrorRecord } }
    foreach ($block in $results.FailedBlocks) { [pscustomobject]@{ Name = "$($block.Path -join '.') (block)"; File = Split-Path -Leaf $block.BlockContainer.Item; Message = Get-Message $block.ErrorRecord } }
    foreach ($container in $results.FailedContainers) { [pscustomobject]@{ Name = "$($container.Item) (file)"; File = Split-Path -Leaf $container.Item; Message = Get-Message $container.ErrorRecord } }
)
$failed = ($results | Measure-Object -Sum { $_.FailedCount + $_.FailedBlocksCount + $_.FailedContainersCount }).Sum
[pscustomobject]@{
    Passed   = [int]($results | Measure-Object -Sum PassedCount).Sum
    Failed   = [int]$failed
    Skipped  = [int]($results | Measure-Object -Sum SkippedCount).Sum
    Files    = @($results.Containers | Where-Object { $_ } | ForEach-Object { [pscustomobject]@{ Name = Split-Path -Leaf $_.Item; Seconds = $_.Duration.TotalSeconds; Passed = $_.PassedCount; Failed = $_.FailedCount } })
    Tests    = @($results.Tests | Where-Object { $_ -and $_.Executed } | ForEach-Object { [pscustomobject]@{ Name = $_.ExpandedPath; File = Split-Path -Leaf $_.ScriptBlock.File; Seconds = $_.Duration.TotalSeconds; Result = $_.Result } })
    Failures = $failures
} | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath
exit ([int]($failed -gt 0))
