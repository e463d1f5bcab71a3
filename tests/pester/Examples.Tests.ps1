# Examples are tests: every example in docs/en-US runs against a sandbox (put back between examples) and must succeed, and must show what its page says it shows: an error id the page
# names, a diff it quotes, the mmctl commands it says are run, and "Nothing ran" when it says so.
BeforeDiscovery {
    $script:Pages = foreach ($page in Get-ChildItem (Join-Path $PSScriptRoot '../../docs/en-US') -Filter '*.md' | Where-Object Name -notlike 'about_*') {
        $text = Get-Content -Raw $page.FullName
        $examples = foreach ($match in [regex]::Matches($text, '(?s)### (Example \d+[^\n]*)\n```powershell\n(.*?)\n```(.*?)(?=\n### |\n## |$)')) {
            $code = $match.Groups[2].Value
            $notes = $match.Groups[3].Value
            # What the page documents about the example's output, from its code comments and the text after it.
            $documented = "$(([regex]::Matches($code, '#([^\n]*)') | ForEach-Object { $_.Groups[1].Value }) -join "`n")`n$notes"
            @{
                Title    = $match.Groups[1].Value; Code = $code
                ErrorIds = @([regex]::Matches($documented, '\b\w+,MmOperator\.Commands\.\w+\b').Value)
                Diffs    = @([regex]::Matches($documented, "``('[^'``]*' -> '[^'``]*')``") | ForEach-Object { $_.Groups[1].Value })
                Runs     = @([regex]::Matches($documented, '`mmctl ([^`]+)`') | ForEach-Object { $_.Groups[1].Value })
                NothingRan = $documented -match 'Nothing ran|nothing ran'
            }
        }
        if ($examples) { @{ Page = $page.BaseName; Examples = @($examples) } }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # Examples save options (-Save): to a settings file of this file's own, read at import, never the one
    # the other test files of this worker or of the other workers import.
    $script:ConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    Import-MmTestModule
    # One sandbox for every page, put back before each example: the examples' files, ETH-USD the only market running, one pending approval request.
    $script:Sandbox = New-TestSandbox
    $null = Invoke-Mmctl $Sandbox start eth --json
    $null = [pscustomobject]@{ Market = 'ETH-USD'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8'; Reason = 'example setup' } | Submit-MmAdvisorProposal -Confirm:$false
    # What an example may change, kept to be put back before the next one: the .env files and the advisor's files.
    function script:Changeable { @(Get-ChildItem $Sandbox.RepoPath -Force -Filter '.env*') + @(Get-ChildItem (Join-Path $Sandbox.RepoPath 'data/mm_audit') -Recurse -Force -File) }
    $script:Kept = @{}
    foreach ($file in Changeable) { $Kept[$file.FullName] = [IO.File]::ReadAllBytes($file.FullName) }
    $script:Work = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
    @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '22'; Reason = 'from a CSV' }) | Export-Csv (Join-Path $Work 'changes.csv')
    @([pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Reason = 'from a CSV' }) | Export-Csv (Join-Path $Work 'proposals.csv')
    Set-Content (Join-Path $Work 'proposals.jsonl') '{"market": "eth", "param": "MM_SKEW_MAX_BPS", "proposed": "24", "reason": "from JSONL"}'
    $script:Pids = Join-Path $Sandbox.RepoPath 'data/pids'
    # A live bot by its pid file, read directly: the setup starts no process when nothing changed.
    function script:Get-LiveBot([string] $File) {
        $bot = 0
        if ((Test-Path $File) -and [int]::TryParse((Get-Content -Raw $File), [ref] $bot) -and (Test-Alive $bot)) { $bot }
    }
}

AfterAll {
    Remove-TestSandbox $Sandbox
    $env:XDG_CONFIG_HOME = $ConfigHome
}

Describe '<Page> help examples' -ForEach $Pages {
    BeforeEach {
        Changeable | Where-Object { -not $Kept.ContainsKey($_.FullName) } | Remove-Item -Force
        foreach ($path in $Kept.Keys) { [IO.File]::WriteAllBytes($path, $Kept[$path]) }
        foreach ($file in Get-ChildItem $Pids -Filter 'env_*.pid' | Where-Object Name -ne 'env_eth.pid') {
            if (Get-LiveBot $file.FullName) { $null = Invoke-Mmctl $Sandbox stop ($file.BaseName -replace '^env_') --json }
        }
        if (-not (Get-LiveBot (Join-Path $Pids 'env_eth.pid'))) { $null = Invoke-Mmctl $Sandbox start eth --json }
        $approvals = (Get-MmOperatorOption).ApprovalStorePath
        Get-ChildItem $approvals -Filter 'apr-*.json' -ErrorAction Ignore | Remove-Item -Force
        $request = [MmOperator.Approvals.ApprovalRequest]::new()
        $request.Cmdlet = 'Stop-MmMarket'; $request.Action = 'stop'; $request.Target = 'ETH-USD'; $request.Reason = 'SEV1'
        $request.Plan = "Plan:`n- Action(s): $($Sandbox.MmctlPath) stop eth --json`n- Reason: SEV1`nNeed approval: YES"
        $request.Binding = ([MmOperator.Approvals.BoundAction]@{ Cmdlet = 'Stop-MmMarket'; Action = 'stop'; Target = 'ETH-USD'; Commands = [string[]]@("$($Sandbox.MmctlPath) stop eth --json"); Reason = 'SEV1'; Plan = $request.Plan }).Binding()
        $null = [MmOperator.Approvals.ApprovalStore]::new($approvals).File($request, [timespan]::FromMinutes(30))
        Push-Location $Work
    }

    AfterEach {
        Pop-Location
        $Sandbox | Set-MmOperatorOption -PassEnv @{}
    }

    It '<Title>' -ForEach $Examples {
        $example = [scriptblock]::Create($Code)
        $invocations = (Get-InvocationCount $Sandbox)
        $output = & {
            $ConfirmPreference = 'None'
            $ErrorActionPreference = 'Stop'
            & $example *>&1 | Out-String -Width 200
        }
        $output | Should -Not -Match 'Exception'
        foreach ($id in $ErrorIds) { $output | Should -Match ([regex]::Escape($id)) -Because 'the page names this error id' }
        foreach ($diff in $Diffs) { $output | Should -Match ([regex]::Escape($diff)) -Because 'the page quotes this change' }
        $ran = @(Get-Invocation $Sandbox | Select-Object -Skip $invocations | Where-Object tool -eq 'mmctl' | ForEach-Object { $_.argv -join ' ' })
        foreach ($command in $Runs) { $ran | Should -Contain $command -Because 'the page says the example runs it' }
        if ($NothingRan) { @(Get-Invocation $Sandbox | Select-Object -Skip $invocations).Count | Should -Be 0 -Because 'the page says nothing ran' }
    }
}
