<#
.SYNOPSIS
    Runs *.Tests.ps1 files here (all of them, or the ones named by -Path) with Pester 5.7.1 (from the
    NuGet cache) against a built module, in this process.
    Writes to -ResultPath, for build.ps1 to add to the xUnit counts: Passed, Failed, Skipped, each file's
    duration, each test's duration and result, and every failure (test, block or file) with its message.
.DESCRIPTION
    build.ps1 Test starts several of these at once (workers), each with some of the files.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultPath,
    # Test files (several: separated by commas, as pwsh -File passes one string)
    [string[]] $Path = @(),
    # Pester.psd1, when the caller already knows where it is (else from the NuGet cache, asking dotnet)
    [string] $PesterPath
)
$Path = @($Path -split ',' | Where-Object { $_ })
$ErrorActionPreference = 'Stop'

if (-not $PesterPath) {
    $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $PesterPath = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
}
Import-Module $PesterPath -Force

# The test files import the module from here; every file gets a fresh sandbox of its own.
$env:MMOPERATOR_TEST_MODULE = (Resolve-Path $ModulePath).Path

# The tests run with PowerShell's default preferences, as a user's session would.
$ErrorActionPreference = 'Continue'
$config = New-PesterConfiguration
$config.Run.Path = if ($Path.Count) { $Path } else { $PSScriptRoot }
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

function Get-Message($ErrorRecords) { (@($ErrorRecords) | ForEach-Object { "$_" }) -join "`n" }

$failures = @(
    foreach ($test in $result.Failed) { [pscustomobject]@{ Name = $test.ExpandedPath; File = Split-Path -Leaf $test.ScriptBlock.File; Message = Get-Message $test.ErrorRecord } }
    foreach ($block in $result.FailedBlocks) { [pscustomobject]@{ Name = "$($block.Path -join '.') (block)"; File = Split-Path -Leaf $block.BlockContainer.Item; Message = Get-Message $block.ErrorRecord } }
    foreach ($container in $result.FailedContainers) { [pscustomobject]@{ Name = "$($container.Item) (file)"; File = Split-Path -Leaf $container.Item; Message = Get-Message $container.ErrorRecord } }
)
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{
    Passed   = $result.PassedCount
    Failed   = $failed
    Skipped  = $result.SkippedCount
    Files    = @($result.Containers | ForEach-Object { [pscustomobject]@{ Name = Split-Path -Leaf $_.Item; Seconds = $_.Duration.TotalSeconds; Passed = $_.PassedCount; Failed = $_.FailedCount } })
    Tests    = @($result.Tests | Where-Object Executed | ForEach-Object { [pscustomobject]@{ Name = $_.ExpandedPath; File = Split-Path -Leaf $_.ScriptBlock.File; Seconds = $_.Duration.TotalSeconds; Result = $_.Result } })
    Failures = $failures
} | ConvertTo-Json -Depth 4 | Set-Content -Path $ResultPath
exit ([int]($failed -gt 0))
