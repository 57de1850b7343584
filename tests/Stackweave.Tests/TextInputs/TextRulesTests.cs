using System.Text;
using Stackweave.Formats.Folded;
using Stackweave.Formats.PerfScript;

namespace Stackweave.Tests.TextInputs;

/// <summary>
/// The folded text rules (FoldedOptions.TextRules, README "Text inputs") on one sample that needs each of them, against the
/// script's rules on the same text. The "script" lines are what FlameGraph's stackcollapse-perf.pl (41fee1f, perl 5.36) printed
/// for this text with --pid and --all; the "text rules" lines follow the peer suites' expected files.
/// </summary>
public class TextRulesTests
{
    private const string Text =
        "java 100/101 1.000000:          1 cycles: \n"
        + "\t    7f0000001000 Ljava/lang/Thread;::run (/tmp/perf-100.map)\n"
        + "\t    7f0000002000 std::function<int (int, int)>::operator()(int, int) const (/usr/bin/app)\n"
        + "\t    7f0000003000 _$LT$core..option..Option$LT$T$GT$$GT$::map::h0123456789abcdef (/usr/bin/app)\n"
        + "\t    7f0000004000 fib.smx::fib (/tmp/jitted-100-4145673320.so)\n"
        + "\t    ffffffffc0001000 mlx5e_napi_poll (/lib/modules/5.4/kernel/mlx5_core.ko)\n"
        + "\tffffffffb8f03eaa net_rx_action (/usr/lib/debug/boot/vmlinux-5.4.14)\n\n";

    private static string Fold(FoldedOptions o)
    {
        var p = PerfScriptReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(Text)), "t.txt");
        Assert.Equal("perf-script", p.Source.Format);
        var sw = new StringWriter();
        FoldedWriter.Write(p, sw, o);
        return sw.ToString();
    }

    [Fact]
    public void ScriptRulesWhenTextRulesAreOff()
    {
        Assert.Equal("java-100;net_rx_action;mlx5e_napi_poll;fib.smx::fib;_$LT$core..option..Option$LT$T$GT$$GT$::map::h0123456789abcdef;std::function<int ;java/lang/Thread:::run 1\n",
            Fold(new FoldedOptions { Pid = true, TextRules = false }));
        Assert.Equal("java;net_rx_action;mlx5e_napi_poll;fib.smx::fib;_$LT$core..option..Option$LT$T$GT$$GT$::map::h0123456789abcdef;std::function<int ;java/lang/Thread:::run_[j] 1\n",
            Fold(new FoldedOptions { All = true, TextRules = false }));
    }

    [Fact]
    public void TextRulesAreOnForPerfScriptText()
    {
        // --pid: 'java-100' is not 'java', so the Java name keeps its 'L'; template arguments and the decoded Rust name are kept
        Assert.Equal("java-100;net_rx_action;mlx5e_napi_poll;fib.smx::fib;<core::option::Option<T>>::map;std::function<int (int, int)>::operator;Ljava/lang/Thread:::run 1\n",
            Fold(new FoldedOptions { Pid = true }));
        // --all: vmlinux-VERSION and .ko are kernel, jitted-PID-N.so is JIT
        Assert.Equal("java;net_rx_action_[k];mlx5e_napi_poll_[k];fib.smx::fib_[j];<core::option::Option<T>>::map;std::function<int (int, int)>::operator;java/lang/Thread:::run_[j] 1\n",
            Fold(new FoldedOptions { All = true }));
    }

    [Theory]
    [InlineData("main(int, char**)", 4)]
    [InlineData("std::function<int (int, int)>::operator()(int, int) const", 39)]
    [InlineData("std::operator<< <std::char_traits<char> >(std::ostream&, char const*)", 41)]
    [InlineData("a::operator->()", 13)]
    [InlineData("(anonymous namespace)::f(int)", 24)]
    [InlineData("no_arguments", -1)]
    public void ArgumentListStartsAtTheFirstParenOutsideTemplateArguments(string func, int expected)
        => Assert.Equal(expected, StackCollapseRules.ArgumentListStart(func));

    [Theory]
    [InlineData("emulator::main::hc2aaa9b4591a10c7", "emulator::main")]
    [InlineData("log::set_logger::_$u7b$$u7b$closure$u7d$$u7d$::hcb7821323b596727", "log::set_logger::_{{closure}}")]
    [InlineData("_$LT$std..io..buffered..BufReader$LT$R$GT$$GT$::new::h893d205748cacdd5", "<std::io::buffered::BufReader<R>>::new")]
    [InlineData("_$LT$$RF$$u27$a$u20$mut$u20$I$GT$::next::h0123456789abcdef", "<&'a mut I>::next")]
    [InlineData("main", "main")]
    [InlineData("a::hnothex000000000", "a::hnothex000000000")]
    [InlineData("a$ZZ$b::h0123456789abcdef", "a$ZZ$b::h0123456789abcdef")]
    public void LegacyRustNamesAreDecoded(string func, string expected) => Assert.Equal(expected, StackCollapseRules.RustLegacy(func));
}
