<#
.SYNOPSIS
    Runs every *.Tests.ps1 here with Pester 5.7.1 (from the NuGet cache) against a built module.
    Writes {Passed, Failed} to -ResultPath for build.ps1 to add to the xUnit counts.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $ResultPath
)
$ErrorActionPreference = 'Stop'

$packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
Import-Module (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1') -Force

# The test files import the module from here; every file gets a fresh sandbox of its own.
$env:MMOPERATOR_TEST_MODULE = (Resolve-Path $ModulePath).Path

# The tests run with PowerShell's default preferences, as a user's session would.
$ErrorActionPreference = 'Continue'
$config = New-PesterConfiguration
$config.Run.Path = $PSScriptRoot
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
@{ Passed = $result.PassedCount; Failed = $failed } | ConvertTo-Json | Set-Content -Path $ResultPath
exit ([int]($failed -gt 0))
