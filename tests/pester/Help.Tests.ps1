BeforeDiscovery {
    $script:Cmdlets = (Import-PowerShellDataFile $env:MMOPERATOR_TEST_MODULE).CmdletsToExport
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    # The faults from the stand-ins' own list: the first lines of the Fault class in sandbox_host/common.py.
    $faultList = (((Get-Content -Raw (Join-Path $PSScriptRoot '../../src/MmOperator/Sandbox/Resources/Code/MM/sandbox_host/common.py')) -split 'class Fault:')[1] -split 'limited to')[0]
    $script:Faults = [regex]::Matches($faultList, '\b([a-z]+(?:-[a-z]+)+|garbage|leak|hang|exit)\b').Value | Select-Object -Unique
}

Describe 'Get-Help on the built module' {
    It 'has the module''s MAML and about topic' {
        Join-Path (Split-Path $env:MMOPERATOR_TEST_MODULE) 'en-US/MmOperator.dll-Help.xml' | Should -Exist
        (Get-Help about_MmOperator | Out-String) | Should -Match 'The runbook''s commands'
    }

    It '<_> has its synopsis, description, examples and every parameter' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        $page = Get-Content -Raw (Join-Path $PSScriptRoot "../../docs/en-US/$_.md")
        $synopsis = ($page -split '## SYNOPSIS')[1].Trim() -split "`n" | Select-Object -First 1
        $help.Synopsis | Should -Be ($synopsis -replace '`', '')
        ($help.Description | Out-String) | Should -Not -BeNullOrEmpty
        @((Get-Help $_ -Examples).Examples.Example).Count | Should -Be ([regex]::Matches($page, '(?m)^### Example \d+').Count)
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }
        foreach ($name in (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }) {
            (Get-Help $_ -Parameter $name).Description | Out-String | Should -Not -BeNullOrEmpty -Because "-$name of $_ is documented"
        }
    }

    It 'names every sandbox fault the stand-ins know in the README, about_MmOperator and New-MmSandbox' {
        $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../../README.md')
        $about = Get-Help about_MmOperator | Out-String -Width 1000
        $sandbox = (Get-Help New-MmSandbox).Description.Text -join ' '
        $Faults | Should -Contain 'die-after'
        foreach ($fault in $Faults) {
            $readme | Should -Match ('(MM_SANDBOX_FAULT=|`)' + [regex]::Escape($fault) + '\b') -Because "the README's table lists $fault"
            $about | Should -Match ('\b' + [regex]::Escape($fault) + '\b') -Because "about_MmOperator lists $fault"
            $sandbox | Should -Match ('\b' + [regex]::Escape($fault) + '\b') -Because "New-MmSandbox's help lists $fault"
        }
    }
}
