# Examples are tests: every example in docs/en-US runs against a fresh sandbox and must succeed.
BeforeDiscovery {
    $script:Examples = foreach ($page in Get-ChildItem (Join-Path $PSScriptRoot '../../docs/en-US') -Filter '*.md' | Where-Object Name -notlike 'about_*') {
        $text = Get-Content -Raw $page.FullName
        foreach ($match in [regex]::Matches($text, '(?s)### (Example \d+[^\n]*)\n```powershell\n(.*?)\n```')) {
            @{ Page = $page.BaseName; Title = $match.Groups[1].Value; Code = $match.Groups[2].Value }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
}

Describe 'Help examples' {
    BeforeEach {
        $script:Sandbox = New-TestSandbox
        $null = Start-MmMarket eth -Reason 'example setup' -Confirm:$false
        $null = [pscustomobject]@{ Market = 'ETH-USD'; Param = 'MM_SPREAD_MULTIPLIER'; Proposed = '1.8'; Reason = 'example setup' } | Submit-MmAdvisorProposal -Confirm:$false
        $request = [MmOperator.Approvals.ApprovalRequest]::new()
        $request.Cmdlet = 'Stop-MmMarket'; $request.Action = 'stop'; $request.Target = 'ETH-USD'; $request.Reason = 'SEV1'
        $request.Plan = "Plan:`n- Action(s): $($Sandbox.MmctlPath) stop eth --json`n- Reason: SEV1`nNeed approval: YES"
        $request.Binding = ([MmOperator.Approvals.BoundAction]@{ Cmdlet = 'Stop-MmMarket'; Action = 'stop'; Target = 'ETH-USD'; Commands = [string[]]@("$($Sandbox.MmctlPath) stop eth --json"); Reason = 'SEV1'; Plan = $request.Plan }).Binding()
        $null = [MmOperator.Approvals.ApprovalStore]::new((Get-MmOperatorOption).ApprovalStorePath).File($request, [timespan]::FromMinutes(30))
        $script:Work = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
        @([pscustomobject]@{ Market = 'ETH-USD'; Name = 'MM_SKEW_MAX_BPS'; Value = '22'; Reason = 'from a CSV' }) | Export-Csv (Join-Path $Work 'changes.csv')
        @([pscustomobject]@{ Market = 'btc'; Param = 'MM_MIN_OFFSET_BPS'; Proposed = '4'; Reason = 'from a CSV' }) | Export-Csv (Join-Path $Work 'proposals.csv')
        Set-Content (Join-Path $Work 'proposals.jsonl') '{"market": "eth", "param": "MM_SKEW_MAX_BPS", "proposed": "24", "reason": "from JSONL"}'
        Push-Location $Work
    }

    AfterEach {
        Pop-Location
        Remove-TestSandbox $Sandbox
        $Sandbox | Set-MmOperatorOption
    }

    It '<Page>: <Title>' -ForEach $Examples {
        $example = [scriptblock]::Create($Code)
        $output = & {
            $ConfirmPreference = 'None'
            $ErrorActionPreference = 'Stop'
            & $example *>&1 | Out-String -Width 200
        }
        $output | Should -Not -Match 'Exception'
    }
}
