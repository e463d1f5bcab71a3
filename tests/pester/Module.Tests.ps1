BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MmTestModule
    $script:ModuleDir = Split-Path $env:MMOPERATOR_TEST_MODULE
    $script:Manifest = Import-PowerShellDataFile $env:MMOPERATOR_TEST_MODULE
}

Describe 'The built module' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest -Path $env:MMOPERATOR_TEST_MODULE
        $info.Name | Should -Be 'MmOperator'
        $info.Version | Should -Be ([version]$Manifest.ModuleVersion)
    }

    It 'declares Core, PowerShell 7.4 and its format file' {
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
        $Manifest.PowerShellVersion | Should -Be '7.4'
        $Manifest.FormatsToProcess | Should -Be @('MmOperator.format.ps1xml')
        Join-Path $ModuleDir 'MmOperator.format.ps1xml' | Should -Exist
    }

    It 'exports exactly the cmdlets its manifest names, with no wildcards' {
        $Manifest.CmdletsToExport | Should -Not -BeNullOrEmpty
        $Manifest.CmdletsToExport | Where-Object { $_ -match '\*' } | Should -BeNullOrEmpty
        foreach ($list in 'FunctionsToExport', 'VariablesToExport', 'AliasesToExport') { @($Manifest[$list]).Count | Should -Be 0 }
        $exported = (Get-Module MmOperator).ExportedCmdlets.Keys | Sort-Object
        $exported | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'every cmdlet the assembly defines is exported' {
        $defined = (Get-Command -Module MmOperator -CommandType Cmdlet).Name | Sort-Object
        $defined | Should -Be ($Manifest.CmdletsToExport | Sort-Object)
    }

    It 'does not ship System.Management.Automation.dll' {
        Join-Path $ModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
        Join-Path $ModuleDir 'CliWrap.dll' | Should -Exist
    }

    It 'is the manifest at the top of the repository' {
        Get-Content -Raw $env:MMOPERATOR_TEST_MODULE | Should -BeExactly (Get-Content -Raw (Join-Path $PSScriptRoot '../../MmOperator.psd1'))
    }

    It 'has a view for <_>' -ForEach 'MmOperator.MarketStatus', 'MmOperator.OperatorOption', 'MmOperator.Sandbox' {
        Get-FormatData -TypeName $_ | Should -Not -BeNullOrEmpty
        Get-FormatData -TypeName "Deserialized.$_" | Should -Not -BeNullOrEmpty
    }
}

Describe 'Help pages in docs/en-US' {
    BeforeDiscovery { $script:Cmdlets = (Import-PowerShellDataFile $env:MMOPERATOR_TEST_MODULE).CmdletsToExport }

    It '<_> has a page whose parameters match the cmdlet both ways' -ForEach $Cmdlets {
        $page = Join-Path $PSScriptRoot "../../docs/en-US/$_.md"
        $page | Should -Exist
        $documented = @(Select-String -Path $page -Pattern '^### -(\w+)' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object)
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters | Where-Object { $_ -notin 'WhatIf', 'Confirm' }
        $actual = @((Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
        $documented | Should -Be $actual
        Get-Content -Raw $page | Should -Match "(?m)^schema: 2\.0\.0$"
    }
}

Describe 'Views after remoting' {
    BeforeAll { $script:Sandbox = New-TestSandbox -Market eth }
    AfterAll { Remove-TestSandbox $Sandbox }

    It 'a deserialized <Name> keeps its view' -ForEach @(
        @{ Name = 'status'; Make = { Get-MmStatus eth }; Expect = 'Market\s+State\s+Pid' }
        @{ Name = 'action result'; Make = { Start-MmMarket eth -Reason 'remoting view' -Confirm:$false }; Expect = '(?m)^Result:\r?\n- start ETH-USD' }
        @{ Name = 'env change'; Make = { Set-MmEnvParam -Market eth -Name MM_SKEW_MAX_BPS -Value 21 -Reason 'remoting view' -Confirm:$false }; Expect = '(?m)^Result:\r?\n- \.env\.eth MM_SKEW_MAX_BPS' }
    ) {
        $original = & $Make
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($original))
        $copy.PSObject.TypeNames[0] | Should -BeLike 'Deserialized.MmOperator.*'
        ($copy | Out-String) | Should -Match $Expect
        $null = Invoke-Mmctl $Sandbox stop eth --json
    }
}
