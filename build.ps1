#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates the MmOperator module.
.DESCRIPTION
    Tasks:
      Build  publish the module into out/MmOperator (manifest, assemblies, format file) and check the manifest
      Test   Build, then xUnit (in the background) and Pester (in worker processes) at once against out/MmOperator;
             prints failures with their messages and the slowest ten tests; says how many recorded host
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
    # The help builder does not depend on the module: it is built while the module is.
    $helpBuilder = Join-Path $Root 'tools/MmOperator.HelpBuilder/MmOperator.HelpBuilder.csproj'
    $null = New-Item -ItemType Directory -Force $Out
    $helpBuild = Start-Logged dotnet @('build', $helpBuilder, '-c', $Configuration, '--nologo', '-v', 'quiet') (Join-Path $Out 'helpbuilder-build.log')
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src/MmOperator/MmOperator.csproj'), '-c', $Configuration,
        '-o', $ModuleOut, "-p:Version=$version", '--nologo', '-v', 'quiet')
    Copy-Item (Join-Path $Root 'MmOperator.psd1') $ModuleOut
    $helpBuild.WaitForExit()
    if ($helpBuild.ExitCode -ne 0) { throw "Building the help builder failed:`n$(Get-Content -Raw (Join-Path $Out 'helpbuilder-build.log'))" }
    # Help: the PlatyPS-schema markdown in docs/ becomes MAML and about_*.help.txt (PlatyPS itself cannot be installed here).
    Invoke-Native dotnet @((Join-Path $Root "tools/MmOperator.HelpBuilder/bin/$Configuration/net10.0/MmOperator.HelpBuilder.dll"),
        (Join-Path $Root 'docs/en-US'), (Join-Path $ModuleOut 'en-US'))
    # Only what the module needs at run time stays in the module folder.
    Get-ChildItem $ModuleOut -Filter '*.pdb' | Remove-Item
    $manifest = Test-ModuleManifest -Path (Join-Path $ModuleOut 'MmOperator.psd1')
    if (Test-Path (Join-Path $ModuleOut 'System.Management.Automation.dll')) { throw 'System.Management.Automation.dll must not ship with the module.' }
    Write-Host "Built $($manifest.Name) $($manifest.Version) in $ModuleOut"
}

# The trx file is read by XPath and GetAttribute only: an element or attribute a crashed or timed-out run
# left out reads as empty, where strict mode would throw on the property and take the summary with it.
function Select-TrxNodes {
    param([string] $Path, [string] $XPath)
    if (Test-Path $Path) { ([xml](Get-Content -Raw $Path)).SelectNodes($XPath) }
}

function Get-TrxCounts {
    param([string] $Path)
    $counters = @(Select-TrxNodes $Path '//*[local-name()="ResultSummary"]/*[local-name()="Counters"]')
    if (-not $counters) { return [pscustomobject]@{ Passed = 0; Failed = 1 } }
    $count = { param($name) [int]('0' + $counters[0].GetAttribute($name)) }
    [pscustomobject]@{ Passed = & $count 'passed'; Failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted') }
}

function Get-TrxResults {
    <# Each xUnit test's name, duration, outcome and (when it failed) message, from the trx file. #>
    param([string] $Path)
    foreach ($r in Select-TrxNodes $Path '//*[local-name()="UnitTestResult"]') {
        $duration = [timespan]::Zero
        $outcome = $r.GetAttribute('outcome')
        [pscustomobject]@{
            Suite = 'xUnit'; Name = $r.GetAttribute('testName'); Outcome = $outcome
            Seconds = if ([timespan]::TryParse($r.GetAttribute('duration'), [ref] $duration)) { $duration.TotalSeconds } else { 0 }
            Message = if ($outcome -ne 'Passed') { "$($r.SelectSingleNode('*[local-name()="Output"]/*[local-name()="ErrorInfo"]/*[local-name()="Message"]')?.InnerText)" } else { '' }
        }
    }
}

function Get-ConformanceLine {
    <# How many of the recorded host scenarios (tests/fixtures/conformance) the stand-ins reproduced in this xUnit run. #>
    param([string] $Path)
    $recorded = @(Get-ChildItem (Join-Path $Root 'tests/fixtures/conformance') -Filter '*.json' | Where-Object Name -match '^\d').Count
    $ids = @(Select-TrxNodes $Path '//*[local-name()="UnitTest"][*[local-name()="TestMethod" and starts-with(@className, "MmOperator.Tests.Conformance.")]]' | ForEach-Object { $_.GetAttribute('id') })
    $reproduced = @(Select-TrxNodes $Path '//*[local-name()="UnitTestResult"][@outcome="Passed"]' | Where-Object { $ids -contains $_.GetAttribute('testId') }).Count
    "conformance: $reproduced of $recorded recorded scenarios reproduced"
}

function Read-PesterWorker {
    <#
    What one finished Pester worker reported (its JSON file); a worker that crashed, or reported nothing
    readable, or exited with an error but no failure, counts one failure with its log's tail.
    #>
    param($Worker)
    $why = "exited with code $($Worker.Process.ExitCode)"
    try {
        $r = if (Test-Path $Worker.Json) { Get-Content -Raw $Worker.Json | ConvertFrom-Json } else { $null }
        if ($r -and -not ($Worker.Process.ExitCode -ne 0 -and $r.Failed -eq 0)) { return $r }
        if (-not $r) { $why += ' and wrote no results' }
    }
    catch { $why += " and its results could not be read ($($_.Exception.Message))" }
    $tail = (Get-Content $Worker.Log -Tail 20 -ErrorAction Ignore) -join "`n"
    [pscustomobject]@{ Passed = 0; Failed = 1; Tests = @(); Files = @()
        Failures = @([pscustomobject]@{ Name = "Pester worker ($($Worker.Log))"; File = ''; Message = "${why}; the end of its log:`n$tail" }) }
}

function Start-Logged {
    <# Starts a process in the background with its stdout and stderr in log files. #>
    param([string] $FilePath, [string[]] $ArgumentList, [string] $Log, [hashtable] $Environment = @{})
    # Through a shell, so the output goes straight to the file (no pipe a lingering child could hold open).
    $shell = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
    $shell.ArgumentList.Add('-c'); $shell.ArgumentList.Add('exec "$@" >"$0" 2>&1 </dev/null'); $shell.ArgumentList.Add($Log)
    $shell.ArgumentList.Add($FilePath); foreach ($a in $ArgumentList) { $shell.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $shell.Environment[$k] = $Environment[$k] }
    $shell.UseShellExecute = $false
    [Diagnostics.Process]::Start($shell)
}

function Invoke-TestTask {
    Invoke-BuildTask
    # Test processes are short and many: profile-guided JIT, compiling hot methods a second time and a background
    # GC thread cost them more CPU than they give back (together a sixth of the suite's CPU), and PowerShell's
    # telemetry and update check start background work in each of them.
    $env:DOTNET_TieredPGO = '0'
    $env:DOTNET_TC_CallCounting = '0'
    $env:DOTNET_gcConcurrent = '0'
    $env:POWERSHELL_TELEMETRY_OPTOUT = '1'
    $env:POWERSHELL_UPDATECHECK = 'Off'
    $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
    # The operator's own settings file (Set-MmOperatorOption -Save) must not reach the tests: a config folder of their own.
    $env:XDG_CONFIG_HOME = Join-Path $ResultsDir 'config'
    Remove-Item $env:XDG_CONFIG_HOME -Recurse -Force -ErrorAction Ignore
    # The files' durations of the last run here (or the ones recorded in the repository) balance the Pester workers.
    $durationsPath = Join-Path $Out 'pester-durations.json'
    $recorded = Join-Path $Root 'tests/pester/durations.json'
    $seconds = @{}
    foreach ($source in $recorded, $durationsPath) {
        if (Test-Path $source) { (Get-Content -Raw $source | ConvertFrom-Json).PSObject.Properties | ForEach-Object { $seconds[$_.Name] = [double]$_.Value } }
    }
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    $null = New-Item -ItemType Directory $ResultsDir
    $clock = [Diagnostics.Stopwatch]::StartNew()

    # Pester comes with the test project's restore (a PackageDownload). dotnet test restores in the background,
    # so on a fresh machine the Pester workers would start before it is there: a cold cache is restored first.
    $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    if (-not (Test-Path (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'))) {
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/MmOperator.Tests/MmOperator.Tests.csproj'), '--nologo', '-v', 'quiet')
    }

    # xUnit and Pester run at the same time: xUnit in the background, its output in xunit.log.
    $trx = Join-Path $ResultsDir 'xunit.trx'
    $xunitLog = Join-Path $ResultsDir 'xunit.log'
    Write-Host "== xUnit (in the background; output in $xunitLog)"
    # A test that hangs is ended after 10 minutes (a backstop far above any test's time on a loaded machine), so the summary comes.
    # The module's version as the build published it: with another one, the module would be compiled a second time.
    $xunitProcess = Start-Logged dotnet @('test', (Join-Path $Root 'tests/MmOperator.Tests/MmOperator.Tests.csproj'), '-c', $Configuration, '--nologo', "-p:Version=$(Get-ModuleVersion)",
        '--logger', 'trx;LogFileName=xunit.trx', '--logger', 'console;verbosity=minimal', '--results-directory', $ResultsDir,
        '--blame-hang-timeout', '10m', '--blame-hang-dump-type', 'none') $xunitLog

    # Pester: the files in a few worker processes, each with its own temporary folder; each worker's output in pester-<n>.log.
    $files = @(Get-ChildItem (Join-Path $Root 'tests/pester') -Filter '*.Tests.ps1' | ForEach-Object FullName)
    # Agent loads the module from its own copy, to run the agent's session in process, so it has a process of its
    # own. The other files wait in a queue, longest first (by the durations recorded), and each of the other
    # workers takes the next one when it is free. TwoUser and Fleet (as root: packages, users, sshd, network
    # namespaces) are in the queue too: what they change on the machine is their own, so files in other workers run beside them.
    $own = @($files | Where-Object { (Split-Path -Leaf $_) -eq 'Agent.Tests.ps1' })
    $queue = Join-Path $ResultsDir 'pester-queue.txt'
    Set-Content $queue (@($files | Where-Object { $_ -notin $own } | Sort-Object { - [double]$seconds[(Split-Path -Leaf $_)] }) -join "`n") -NoNewline
    function Start-PesterWorker([int] $Number, [string] $Name, [string[]] $Arguments, [switch] $ThenQueue) {
        $log = Join-Path $ResultsDir "pester-$Number.log"
        $tmp = Join-Path ([IO.Path]::GetTempPath()) "mmop-worker-$Number-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $null = New-Item -ItemType Directory $tmp
        Write-Host ("== Pester worker {0}: {1} (output in {2})" -f $Number, $Name, $log)
        $json = Join-Path $ResultsDir "pester-$Number.json"
        [pscustomobject]@{
            Json = $json; Log = $log; Tmp = $tmp; ThenQueue = [bool]$ThenQueue
            Process = Start-Logged dotnet (@($PwshDll, '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tests/pester/Invoke-PesterSuite.ps1'),
                        '-ModulePath', (Join-Path $ModuleOut 'MmOperator.psd1'), '-ResultPath', $json, '-PesterPath', (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1')) + $Arguments) $log @{ TMPDIR = $tmp }
        }
    }
    $nextInQueue = 'the next file in the queue'
    $workers = [Collections.Generic.List[object]]::new()
    # Agent ends long before the queue is empty: a new process then takes its place in the queue.
    $workers.Add((Start-PesterWorker 0 (($own | ForEach-Object { (Split-Path -Leaf $_) -replace '\.Tests\.ps1$' }) -join ', ') @('-Path', ($own -join ',')) -ThenQueue))
    foreach ($n in 1..4) { $workers.Add((Start-PesterWorker $n $nextInQueue @('-Queue', $queue))) }

    # Whatever fails below, and however, the counts line is printed: a summary that broke counts as a failure.
    $pester = [pscustomobject]@{ Passed = 0; Failed = 0; Tests = @(); Failures = @(); Files = @() }
    $xunit = [pscustomobject]@{ Passed = 0; Failed = 0 }
    $summaryBroke = 0
    try {
        # By index: a worker that ends early adds the one that takes its place while this loop runs.
        for ($i = 0; $i -lt $workers.Count; $i++) {
            $worker = $workers[$i]
            $worker.Process.WaitForExit()
            if ($worker.ThenQueue) { $workers.Add((Start-PesterWorker $workers.Count $nextInQueue @('-Queue', $queue))) }
            Remove-Item $worker.Tmp -Recurse -Force -ErrorAction Ignore
            $r = Read-PesterWorker $worker
            $pester.Passed += [int]$r.Passed; $pester.Failed += [int]$r.Failed
            $pester.Tests += @($r.Tests); $pester.Failures += @($r.Failures); $pester.Files += @($r.Files)
        }
        $pesterSeconds = $clock.Elapsed.TotalSeconds
        $xunitProcess.WaitForExit()
        $xunit = Get-TrxCounts $trx
        $xunitTests = @(Get-TrxResults $trx)
        # A crashed or hung test host (ended by the hang backstop) aborts the run: the trx lacks that test, the log names it.
        $aborted = Select-String -Path $xunitLog -Pattern 'Test Run Aborted' -SimpleMatch -Quiet -ErrorAction Ignore
        $xunitBroke = $xunitProcess.ExitCode -ne 0 -and ($aborted -or $xunit.Failed -eq 0)
        if ($xunitBroke) { $xunit.Failed += 1 }

        Write-Host '== Results'
        Get-Content $xunitLog -ErrorAction Ignore | Where-Object { $_ -match '^(Passed!|Failed!)|error|warn' } | Select-Object -Last 10 | ForEach-Object { Write-Host "xUnit: $_" }
        foreach ($file in $pester.Files | Sort-Object Name) { Write-Host ('Pester: {0,-24} {1,3} passed, {2} failed, {3,5:N1} s' -f $file.Name, $file.Passed, $file.Failed, $file.Seconds) }
        $failures = @($xunitTests | Where-Object { $_.Outcome -notin 'Passed', 'NotExecuted' } | ForEach-Object { [pscustomobject]@{ Name = "xUnit: $($_.Name)"; Message = $_.Message } }) +
            @($pester.Failures | ForEach-Object { [pscustomobject]@{ Name = "Pester: $(if ($_.File) { "$($_.File): " })$($_.Name)"; Message = $_.Message } })
        if ($xunitBroke) {
            $failures += [pscustomobject]@{ Name = "xUnit ($xunitLog)"; Message = "dotnet test exited with code $($xunitProcess.ExitCode):`n" + ((Get-Content $xunitLog -Tail 30 -ErrorAction Ignore) -join "`n") }
        }
        foreach ($failure in $failures) {
            Write-Host "FAILED $($failure.Name)" -ForegroundColor Red
            $message = if ("$($failure.Message)".Trim()) { "$($failure.Message)" } else { '(no message: see the log named above, or out/test-results/)' }
            Write-Host (($message -split "`n" | ForEach-Object { "    $_" }) -join "`n")
        }
        Write-Host 'Slowest ten tests:'
        $all = @($xunitTests | ForEach-Object { [pscustomobject]@{ Suite = 'xUnit'; Name = $_.Name; Seconds = $_.Seconds } }) +
            @($pester.Tests | ForEach-Object { [pscustomobject]@{ Suite = "Pester $($_.File -replace '\.Tests\.ps1$')"; Name = $_.Name; Seconds = [double]$_.Seconds } })
        # A data-driven test's name can carry its data (a 5,000-character value): one line each, cut at 160.
        foreach ($t in $all | Sort-Object Seconds -Descending | Select-Object -First 10) {
            $name = if ($t.Name.Length -gt 160) { $t.Name.Substring(0, 160) + "... ($($t.Name.Length - 160) more characters)" } else { $t.Name }
            Write-Host ('  {0,6:N1} s  {1}: {2}' -f $t.Seconds, $t.Suite, $name)
        }
        Write-Host ('Wall time: xUnit and Pester together {0:N0} s (Pester {1:N0} s)' -f $clock.Elapsed.TotalSeconds, $pesterSeconds)
        $record = [ordered]@{}
        foreach ($file in $pester.Files | Sort-Object Name) { $record[$file.Name] = [Math]::Round($file.Seconds, 1) }
        if ($record.Count) { $record | ConvertTo-Json | Set-Content $durationsPath }
        Write-Host (Get-ConformanceLine $trx)
    }
    catch {
        $summaryBroke = 1
        Write-Host "FAILED the summary itself: $($_.Exception.Message)`n$($_.InvocationInfo.PositionMessage)`n(the results are in $ResultsDir)" -ForegroundColor Red
    }
    finally {
        # The trx unread (the summary broke first): dotnet test's exit code still counts.
        if ($xunit.Failed -eq 0 -and $xunitProcess.HasExited -and $xunitProcess.ExitCode -ne 0) { $xunit.Failed = 1 }
        $passed = $xunit.Passed + $pester.Passed
        $failed = $xunit.Failed + $pester.Failed + $summaryBroke
        Write-Host "xUnit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed"
        Write-Host "$passed passed, $failed failed"
    }
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
