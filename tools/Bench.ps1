<#
.SYNOPSIS
    The benchmark behind build.ps1 Bench (not a test): the module against the raw host commands, in one run.
    Prints medians and ratios and writes bench/results.md with the machine and the date.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $OutputPath,
    [int] $Runs = 15
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$pwshDll = Join-Path $PSHOME 'pwsh.dll'

function Measure-Median([scriptblock] $Block, [int] $Count = $Runs) {
    $null = & $Block
    $times = foreach ($i in 1..$Count) { (Measure-Command { $null = & $Block }).TotalMilliseconds }
    ($times | Sort-Object)[[int][math]::Floor($Count / 2)]
}

function Measure-Pair([int] $Count, [scriptblock] $Module, [scriptblock] $Raw) {
    <# Medians of two blocks run in turns, so a busy machine slows both alike. #>
    $null = & $Module; $null = & $Raw
    $times = foreach ($i in 1..$Count) {
        [pscustomobject]@{ Module = (Measure-Command { $null = & $Module }).TotalMilliseconds; Raw = (Measure-Command { $null = & $Raw }).TotalMilliseconds }
    }
    [pscustomobject]@{ Module = ($times.Module | Sort-Object)[[int][math]::Floor($Count / 2)]; Raw = ($times.Raw | Sort-Object)[[int][math]::Floor($Count / 2)] }
}

$rows = [System.Collections.Generic.List[object]]::new()
function Add-Row([string] $What, [double] $Module, [double] $Raw, [string] $Target, [bool] $Met, [string] $Note) {
    $rows.Add([pscustomobject]@{ What = $What; Module = $Module; Raw = $Raw; Ratio = if ($Raw -gt 0) { $Module / $Raw } else { $null }; Target = $Target; Met = $Met; Note = $Note })
    Write-Host ("{0,-46} module {1,8:0.0} ms  raw {2,8:0.0} ms  ratio {3,5:0.00}  target {4} {5}" -f $What, $Module, $Raw, $rows[-1].Ratio, $Target, $(if ($Met) { 'met' } else { 'MISSED' }))
}

$sandbox = New-MmSandbox -Market eth, btc
$sandbox | Set-MmOperatorOption
try {
    # 1. Status: the module's overhead over the raw command in the same process, measured in turns so load hits both alike.
    $null = & $sandbox.MmctlPath start eth --json
    $pair = Measure-Pair -Count 31 { Get-MmStatus } { & $sandbox.MmctlPath status --json | ConvertFrom-Json }
    Add-Row 'Get-MmStatus vs mmctl status --json' $pair.Module $pair.Raw '<= 1.05x' (($pair.Module / $pair.Raw) -le 1.05) 'both start the same Python process; the module adds reading each .env* file once (markets and the values it masks), strict JSON reading and typed objects'

    # 2. A stop/start cycle.
    $module = Measure-Median -Count 5 { $null = Stop-MmMarket eth -Reason bench -Confirm:$false; $null = Start-MmMarket eth -Reason bench -Confirm:$false }
    $raw = Measure-Median -Count 5 { $null = & $sandbox.MmctlPath stop eth --json; $null = & $sandbox.MmctlPath start eth --json }
    Add-Row 'Stop+Start cycle vs raw stop+start' $module $raw 'report' $true 'the module also watches the started bot through its first second, runs mmctl status after each action, and writes the journal'

    # 3. A start's result after mmctl answered (the real host's settle window, 1 s), and a bot that dies in its first second is still caught.
    if ((Get-MmOperatorOption).StartSettleMs -ne 1000) { throw 'The bench measures the default settle window: unset MMOPERATOR_START_SETTLE_MS.' }
    $after = foreach ($i in 1..5) {
        $null = & $sandbox.MmctlPath stop eth --json
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $result = Start-MmMarket eth -Reason bench -Confirm:$false
        if ($result.Outcome -ne 'Succeeded') { throw "bench start failed: $($result.Detail)" }
        $clock.Elapsed.TotalMilliseconds - $result.DurationSec * 1000
    }
    $after = ($after | Sort-Object)[2]
    $null = & $sandbox.MmctlPath stop eth --json
    $env:MM_SANDBOX_FAULT = 'die-after:0.9'
    try { $crash = Start-MmMarket eth -Reason bench -Confirm:$false -ErrorAction SilentlyContinue } finally { $env:MM_SANDBOX_FAULT = $null }
    $caught = $crash.Outcome -eq 'Failed'
    Add-Row 'Start: result after mmctl answered' $after 0 '<= 1200 ms, crash at 0.9 s caught' (($after -le 1200) -and $caught) ("median of 5 healthy starts; a bot that crashes 0.9 s after it started is reported {0}" -f $crash.Outcome)

    # 4. Import cost over a bare pwsh, in turns.
    $empty = Join-Path $sandbox.Path 'empty.psm1'
    Set-Content $empty 'function Get-Nothing {}'
    $bare = [Collections.Generic.List[double]]::new(); $emptyImport = [Collections.Generic.List[double]]::new(); $import = [Collections.Generic.List[double]]::new()
    foreach ($i in 1..11) {
        $bare.Add((Measure-Command { & dotnet $pwshDll -NoProfile -NonInteractive -Command 'exit' }).TotalMilliseconds)
        $emptyImport.Add((Measure-Command { & dotnet $pwshDll -NoProfile -NonInteractive -Command "Import-Module '$empty'; exit" }).TotalMilliseconds)
        $import.Add((Measure-Command { & dotnet $pwshDll -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; exit" }).TotalMilliseconds)
    }
    $bare = ($bare | Sort-Object)[5]; $emptyImport = ($emptyImport | Sort-Object)[5]; $import = ($import | Sort-Object)[5]
    $inProcess = [double](& dotnet $pwshDll -NoProfile -NonInteractive -Command "(Measure-Command { Import-Module '$ModulePath' }).TotalMilliseconds")
    Add-Row 'pwsh + Import-Module vs bare pwsh' $import $bare '<= +100 ms' (($import - $bare) -le 100) ("import adds {0:0} ms: any first module import costs {1:0} ms (an empty module); Import-Module itself, timed inside pwsh, {2:0} ms (MmOperator.dll, the format file, the options)" -f ($import - $bare), ($emptyImport - $bare), $inProcess)

    # 5. A .env edit of a 10,000-line file: the locked atomic writer alone, and the cmdlet with its status call.
    $file = Join-Path $sandbox.RepoPath '.env.btc'
    Add-Content $file (1..10000 | ForEach-Object { "MM_FILLER_$_=$_" })
    $target = [MmOperator.EnvFiles.EnvFileTarget]::ForMarket([MmOperator.Markets.MarketCatalog]::Load($sandbox.RepoPath).FindBySlug('btc'), $sandbox.RepoPath)
    $script:n = 0
    $writer = Measure-Median { $before = "$(20 + $script:n)"; $script:n++; $null = [MmOperator.EnvFiles.EnvFileWriter]::Apply($target, $sandbox.RepoPath, 'MM_SKEW_MAX_BPS', "$(20 + $script:n)", $before) }
    $cmdlet = Measure-Median -Count 7 { $script:n++; $null = Set-MmEnvParam -Market btc -Name MM_SKEW_MAX_BPS -Value "$(20 + $script:n)" -Reason bench -Confirm:$false -WarningAction SilentlyContinue }
    Add-Row '.env edit, 10,000 lines (writer)' $writer 0 '< 50 ms' ($writer -lt 50) 'flock, re-read, edit, host-parser read-back, temp file + fsync + rename'
    Add-Row 'Set-MmEnvParam, 10,000 lines (cmdlet)' $cmdlet 0 'report' $true 'adds policy, plan, journal and the mmctl status that follows every edit'

    # 6. Status with 500 instances (pid files of bots that are gone: mmctl lists every pid file).
    $pids = Join-Path $sandbox.RepoPath 'data/pids'
    foreach ($i in 1..500) { Set-Content -Path (Join-Path $pids "env_m$i.pid") -Value "$(999000 + $i)" -NoNewline }
    $module = Measure-Median -Count 7 { Get-MmStatus }
    $raw = Measure-Median -Count 7 { & $sandbox.MmctlPath status --json | ConvertFrom-Json }
    Add-Row 'Get-MmStatus, 500 instances' $module $raw '<= 1.10x' (($module / $raw) -le 1.10) ''
    Get-ChildItem $pids -Filter 'env_m*.pid' | Remove-Item

    # 7. The audit check of 100,000 records.
    $journal = Join-Path $sandbox.Path 'bench-audit.jsonl'
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $prev = '0' * 64
    $lines = foreach ($i in 1..100000) {
        $body = '{"prev_hash":"' + $prev + '","id":"bench-' + $i + '","action":"stop","market":"ETH-USD","outcome":"Succeeded"}'
        $prev = [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($body))).ToLowerInvariant()
        $body.Substring(0, $body.Length - 1) + ',"hash":"' + $prev + '"}'
    }
    [IO.File]::WriteAllLines($journal, [string[]]$lines)
    $check = Measure-Median -Count 5 { $r = Test-MmAuditLog -Path $journal; if (-not $r.IsValid -or $r.RecordCount -ne 100000) { throw 'bench journal did not verify' } }
    Add-Row 'Test-MmAuditLog, 100,000 records' $check 0 '< 1000 ms' ($check -lt 1000) ''

    # 8. SEV1 across ten markets whose bots take 5 s to stop: side by side (the default) against one at a time.
    $ten = 'ETH-USD', 'BTC-USD', 'SOL-USD', 'DOGE-USD', 'AVAX-USD', 'LINK-USD', 'ARB-USD', 'OP-USD', 'SUI-USD', 'APT-USD'
    $wide = New-MmSandbox -Market $ten
    $wide | Set-MmOperatorOption
    $env:MM_SANDBOX_FAULT = 'slow-stop:5'; $env:MM_SANDBOX_FAULT_ON = 'stop'
    try {
        $stopAll = {
            param([int] $Throttle, [string[]] $Markets)
            $null = Start-MmMarket $Markets -Reason bench -Confirm:$false
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = Stop-MmMarket $Markets -Reason bench -Confirm:$false -ThrottleLimit $Throttle
            if (@($results | Where-Object Outcome -eq Succeeded).Count -ne $Markets.Count) { throw 'bench stop failed' }
            $clock.Elapsed.TotalMilliseconds
        }
        $one = & $stopAll 1 @('ETH-USD')
        $parallel = & $stopAll 16 $ten
        $sequential = & $stopAll 1 $ten
    }
    finally { $env:MM_SANDBOX_FAULT = $null; $env:MM_SANDBOX_FAULT_ON = $null; $sandbox | Set-MmOperatorOption }
    Add-Row 'Stop 10 markets (5 s stops): parallel vs one by one' $parallel $sequential '<= 1.3x one stop' ($parallel -le 1.3 * $one) ("one market's stop alone: {0:0} ms; the ten side by side took {1:0.00}x of it; -ThrottleLimit 1 runs them one at a time" -f $one, ($parallel / $one))
}
finally {
    foreach ($slug in 'eth', 'btc') { $null = & $sandbox.MmctlPath stop $slug --json }
    Remove-Item $sandbox.Path -Recurse -Force
    if ($wide) {
        foreach ($market in $ten) { $null = & $wide.MmctlPath stop $market --json }
        Remove-Item $wide.Path -Recurse -Force
    }
}

# 9. Every market of three hosts against one host's, over SSH (the fleet lab of the tests: network namespaces with sshd, as
# root on Linux). The lab's hosts share this machine's cores, so the target is the three side by side against one by one.
if ($IsLinux -and (& id -u) -eq '0') {
    $env:MMOPERATOR_TEST_MODULE = (Resolve-Path $ModulePath).Path
    Import-Module (Join-Path $PSScriptRoot '../tests/pester/TestHelpers.psm1')
    $lab = New-FleetLab -HostCount 3
    try {
        $key = $lab.KeyFilePath
        $sessions = New-PSSession -HostName $lab.Hosts.Target -KeyFilePath $key
        $ways = @(
            @{ What = '-HostName'; Count = 5; Note = 'each call connects (ssh, a pwsh started on each host, Import-Module there), asks, and closes'
                All = { Get-MmMarket -HostName $lab.Hosts.Target -KeyFilePath $key }; One = { Get-MmMarket -HostName $lab.Hosts[0].Target -KeyFilePath $key }
                OneByOne = { foreach ($target in $lab.Hosts.Target) { Get-MmMarket -HostName $target -KeyFilePath $key } } }
            @{ What = '-Session'; Count = 11; Note = 'over sessions left open (New-PSSession): mmctl status on each host'
                All = { Get-MmMarket -Session $sessions }; One = { Get-MmMarket -Session $sessions[0] }
                OneByOne = { foreach ($session in $sessions) { Get-MmMarket -Session $session } } }
        )
        foreach ($way in $ways) {
            $pair = Measure-Pair -Count $way.Count $way.All $way.One
            $oneByOne = Measure-Median -Count $way.Count $way.OneByOne
            Add-Row "Get-MmMarket $($way.What): 3 hosts vs 1 host" $pair.Module $pair.Raw '< the 3 one by one' ($pair.Module -lt $oneByOne) ("medians of {0}; {1}; the three one by one took {2:0} ms" -f $way.Count, $way.Note, $oneByOne)
        }
        Remove-PSSession $sessions
    }
    finally { Remove-FleetLab $lab }
}
else { Write-Host 'Get-MmMarket over 3 hosts vs 1 host: skipped (its fleet lab needs root on Linux)' }

$cpu = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', '')
$memory = '{0:0.0} GiB' -f (([double]((Get-Content /proc/meminfo -TotalCount 1) -replace '\D', '')) / 1MB)
$table = @(
    "# MmOperator benchmark", '',
    "Date: $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC. Machine: $([Environment]::ProcessorCount) cores ($cpu), $memory, $([Environment]::OSVersion.VersionString), PowerShell $($PSVersionTable.PSVersion). Medians of $Runs runs unless noted.", '',
    '| what | module (ms) | raw (ms) | ratio | target | met | note |', '|---|---:|---:|---:|---|---|---|'
) + ($rows | ForEach-Object { '| {0} | {1:0.0} | {2} | {3} | {4} | {5} | {6} |' -f $_.What, $_.Module, $(if ($_.Raw) { '{0:0.0}' -f $_.Raw } else { '' }), $(if ($_.Ratio) { '{0:0.00}' -f $_.Ratio } else { '' }), $_.Target, $(if ($_.Met) { 'yes' } else { 'NO' }), $_.Note })
$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath)
Set-Content $OutputPath $table
Write-Host "Written $OutputPath"
