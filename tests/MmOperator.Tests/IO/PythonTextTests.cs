using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MmOperator.IO;
using MmOperator.Sandbox;

namespace MmOperator.Tests.IO;

/// <summary>The module's reading of text and JSON against Python's own (the interpreter the sandbox runs).</summary>
public sealed class PythonTextTests
{
    /// <summary>Every line break of str.splitlines, every whitespace of str.strip, a byte-order mark, in and around env lines.</summary>
    private static readonly string[] EnvTexts =
    [
        "# note\u2028MM_SPREAD_MULTIPLIER=9\nMM_SPREAD_MULTIPLIER=1.5\n",
        "MM_SPREAD_MULTIPLIER=1.5\n# note\u2029MM_SPREAD_MULTIPLIER=9",
        "MM_A=1\u0085MM_B=2\vMM_C=3\fMM_D=4\u001cMM_E=5\u001dMM_F=6\u001eMM_G=7\r\nMM_H=8\rMM_I=9\n",
        "\uFEFFMM_MARKET_NAME=XAU-USD\nMM_ENVIRONMENT=testnet\n",
        "MM_A=1.5\u001f# a unit separator before the comment\nMM_B=\u00a02\u00a0\nMM_C=3\u3000#wide\n\u001fMM_D=4\u2000\n",
        "MM_A=a\u200b#not a comment (zero width space is no whitespace)\n",
    ];

    private static readonly string[] Fields = ["proposal_id", "old", "proposed", "note"];

    [Fact]
    public void Env_files_read_as_the_hosts_parser_reads_them()
    {
        using var dir = new TempDir();
        var repo = SandboxBuilder.WriteHost(dir.Path, TestPaths.Python);
        var program = "import json, sys\nsys.path.insert(0, sys.argv[1])\nfrom sandbox_host import common\n"
            + "texts = json.loads(sys.stdin.read())\nprint(json.dumps([common.parse_env(t.splitlines()) for t in texts]))";

        var python = RunPython(program, JsonSerializer.Serialize(EnvTexts), repo);

        using var expected = JsonDocument.Parse(python);
        for (var i = 0; i < EnvTexts.Length; i++)
        {
            var hosts = expected.RootElement[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Assert.Equal(hosts, HostEnvReader.ReadValues(EnvTexts[i]));
        }
    }

    [Fact]
    public void A_comment_with_a_line_separator_holds_a_live_copy_of_the_key()
    {
        var entries = HostEnvReader.ReadEntries("MM_SPREAD_MULTIPLIER=1.5\n# note\u2028MM_SPREAD_MULTIPLIER=9\n");

        Assert.Equal([("MM_SPREAD_MULTIPLIER", "1.5", 1), ("MM_SPREAD_MULTIPLIER", "9", 3)], entries.Select(e => (e.Key, e.Value, e.Line)));
    }

    [Fact]
    public void A_byte_order_mark_stays_part_of_the_first_key() =>
        Assert.False(HostEnvReader.ReadValues("\uFEFFMM_MARKET_NAME=XAU-USD\n").ContainsKey("MM_MARKET_NAME"));

    [Fact]
    public void Json_rows_read_as_python_reads_them()
    {
        string[] rows =
        [
            """{"proposal_id": "n-1", "old": NaN, "proposed": -Infinity, "new": [Infinity, 1], "note": "NaN, Infinity"}""",
            """{"a": {"b": NaN}, "c": [ NaN ,{"d":Infinity}]}""",
        ];
        var program = "import json, sys\nrow = json.loads(json.loads(sys.stdin.read())[0])\n"
            + "print(json.dumps([row['proposal_id'], str(row['old']), str(row['proposed']), row['note']]))";

        var python = RunPython(program, JsonSerializer.Serialize(rows), string.Empty);

        using var expected = JsonDocument.Parse(python);
        using var first = PythonJson.Parse(rows[0]);
        Assert.Equal(expected.RootElement.EnumerateArray().Select(e => e.GetString()), Fields.Select(k => first.RootElement.GetProperty(k).GetString()));
        Assert.Equal("nan", first.RootElement.GetProperty("old").GetString());
        using var nested = PythonJson.Parse(rows[1]);
        Assert.Equal("""{"a": {"b": "nan"}, "c": [ "nan" ,{"d":"inf"}]}""", nested.RootElement.GetRawText());
    }

    [Fact]
    public void Json_numbers_read_as_python_prints_them()
    {
        string[] numbers = ["1.50", "1e2", "1E16", "1e15", "0.0001", "0.00001", "-0", "-0.0", "10", "123456789012345678901234567890", "1.5e-7", "2.5E+20", "0.1", "1e400", "-1e400", "3.141592653589793238", "100.0", "1e-400", "12345678.9"];
        var program = "import json, sys\nprint(json.dumps([str(json.loads(n)) for n in json.loads(sys.stdin.read())]))";

        var python = RunPython(program, JsonSerializer.Serialize(numbers), string.Empty);

        using var expected = JsonDocument.Parse(python);
        Assert.Equal(expected.RootElement.EnumerateArray().Select(e => e.GetString()), numbers.Select(PythonJson.NumberText));
    }

    [Theory]
    [InlineData("""{NaN: 1}""")]
    [InlineData("""{"a": 1, Infinity: 2}""")]
    [InlineData("""{"a": nan}""")]
    [InlineData("""{"a": NaNa}""")]
    public void Json_python_refuses_is_refused(string text) =>
        Assert.ThrowsAny<JsonException>(() => PythonJson.Parse(text).Dispose());

    [Fact]
    public void Lines_split_and_strip_as_python_does()
    {
        Assert.Equal(["a", "b", "c", "", "d"], PythonText.SplitLines("a\r\nb\u2028c\n\nd\n"));
        Assert.Empty(PythonText.SplitLines(string.Empty));
        Assert.Equal("x", PythonText.Strip("\u001c\u00a0\u0085 x\u3000\u001f"));
        Assert.Equal(-1, PythonText.IndexOfOtherLineBreak("a\r\nb\n"));
        Assert.Equal(6, PythonText.IndexOfOtherLineBreak("# note\u2028MM_A=9"));
    }

    private static string RunPython(string program, string stdin, string argument)
    {
        var start = new ProcessStartInfo(TestPaths.Python, ["-c", program, argument])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
