#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates the MmOperator module.
.DESCRIPTION
    Tasks:
      Build  publish the module into out/MmOperator (manifest, assemblies, format file) and check the manifest
      Test   Build, then xUnit, then Pester in a fresh pwsh against out/MmOperator; says how many recorded host
             scenarios the sandbox reproduced, and ends with "N passed, N failed"
      Demo   Build, then run a short scripted runbook against a new sandbox host
      Package  Build, then write out/package/MmOperator.<version>.nupkg (installable with Install-PSResource)
      Bench  Build, then measure the module against the raw host commands; writes bench/results.md
      Clean  remove out/ and the projects' bin/ and obj/ folders
.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'MmOperator'
$ResultsDir = Join-Path $Out 'test-results'
# A fresh pwsh: the same PowerShell this script runs on (the local dotnet tool), in a new process.
$PwshDll = Join-Path $PSHOME 'pwsh.dll'

function Invoke-Native {
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -Path (Join-Path $Root 'MmOperator.psd1')).ModuleVersion
}

function Invoke-BuildTask {
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $version = Get-ModuleVersion
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/MmOperator/MmOperator.csproj'), '-c', $Configuration,
        '-o', $ModuleOut, "-p:Version=$version", '--nologo', '-v', 'quiet')
    Copy-Item (Join-Path $Root 'MmOperator.psd1') $ModuleOut
    # Help: the PlatyPS-schema markdown in docs/ becomes MAML and about_*.help.txt (PlatyPS itself cannot be installed here).
    Invoke-Native dotnet @('run', '--project', (Join-Path $Root 'tools/MmOperator.HelpBuilder/MmOperator.HelpBuilder.csproj'), '-c', $Configuration,
        '--', (Join-Path $Root 'docs/en-US'), (Join-Path $ModuleOut 'en-US'))
    # Only what the module needs at run time stays in the module folder.
    Get-ChildItem $ModuleOut -Filter '*.pdb' | Remove-Item
    $manifest = Test-ModuleManifest -Path (Join-Path $ModuleOut 'MmOperator.psd1')
    if (Test-Path (Join-Path $ModuleOut 'System.Management.Automation.dll')) { throw 'System.Management.Automation.dll must not ship with the module.' }
    Write-Host "Built $($manifest.Name) $($manifest.Version) in $ModuleOut"
}

function Get-TrxCounts {
    param([string] $Path)
    if (-not (Test-Path $Path)) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $counters = ([xml](Get-Content -Raw $Path)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted }
}

function Get-ConformanceLine {
    <# How many of the recorded host scenarios (tests/fixtures/conformance) the stand-ins reproduced in this xUnit run. #>
    param([string] $Path)
    $recorded = @(Get-ChildItem (Join-Path $Root 'tests/fixtures/conformance') -Filter '*.json' | Where-Object Name -match '^\d').Count
    $reproduced = 0
    if (Test-Path $Path) {
        $run = ([xml](Get-Content -Raw $Path)).TestRun
        $ids = @($run.TestDefinitions.UnitTest | Where-Object { $_.TestMethod.className -like 'MmOperator.Tests.Conformance.*' } | ForEach-Object id)
        $reproduced = @($run.Results.UnitTestResult | Where-Object { $_.outcome -eq 'Passed' -and $ids -contains $_.testId }).Count
    }
    "conformance: $reproduced of $recorded recorded scenarios reproduced"
}

function Invoke-TestTask {
    Invoke-BuildTask
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    $null = New-Item -ItemType Directory $ResultsDir

    Write-Host '== xUnit'
    $trx = Join-Path $ResultsDir 'xunit.trx'
    & dotnet test (Join-Path $Root 'tests/MmOperator.Tests/MmOperator.Tests.csproj') -c $Configuration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $ResultsDir
    $xunitExit = $LASTEXITCODE
    $xunit = Get-TrxCounts $trx

    Write-Host '== Pester'
    $pesterJson = Join-Path $ResultsDir 'pester.json'
    & dotnet $PwshDll -NoProfile -NonInteractive -File (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1') `
        -ModulePath (Join-Path $ModuleOut 'MmOperator.psd1') -ResultPath $pesterJson
    $pesterExit = $LASTEXITCODE
    $pester = if (Test-Path $pesterJson) { Get-Content -Raw $pesterJson | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1 } }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    # A runner that crashed without reporting a failure still fails the task.
    if ($failed -eq 0 -and ($xunitExit -ne 0 -or $pesterExit -ne 0)) { $failed = 1 }
    Write-Host (Get-ConformanceLine $trx)
    Write-Host "xUnit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    & dotnet $PwshDll -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Demo.ps1') -ModulePath (Join-Path $ModuleOut 'MmOperator.psd1')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $package = Join-Path $Out 'package'
    if (Test-Path $package) { Remove-Item $package -Recurse -Force }
    $nupkg = & dotnet $PwshDll -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Publish-Package.ps1') -ModulePath $ModuleOut -OutputPath $package
    if ($LASTEXITCODE -ne 0) { throw 'Packaging failed.' }
    Write-Host "Packaged $nupkg"
}

function Invoke-BenchTask {
    Invoke-BuildTask
    & dotnet $PwshDll -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Bench.ps1') -ModulePath (Join-Path $ModuleOut 'MmOperator.psd1') -OutputPath (Join-Path $Root 'bench/results.md')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-CleanTask {
    foreach ($path in @($Out) + (Get-ChildItem (Join-Path $Root 'src'), (Join-Path $Root 'tests'), (Join-Path $Root 'tools') -Directory -Recurse -Include bin, obj | Where-Object FullName -notmatch 'Resources').FullName) {
        if ($path -and (Test-Path $path)) { Remove-Item $path -Recurse -Force }
    }
    Write-Host 'Clean.'
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-BuildTask }
        'Test' { Invoke-TestTask }
        'Demo' { Invoke-DemoTask }
        'Package' { Invoke-PackageTask }
        'Bench' { Invoke-BenchTask }
        'Clean' { Invoke-CleanTask }
    }
}
finally {
    Pop-Location
}
