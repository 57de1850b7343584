using Stackweave.Merge.Symbols.Demangle;

namespace Stackweave.Tests.Demangle;

/// <summary>
/// One name per feature. Full expectations are c++filt 2.40 output (copied from running it); Perf expectations are
/// names perf 6.1 printed for these symbols in the goldens under Data/ (perf script or perf probe -F).
/// </summary>
public class ExampleTests
{
    [Theory]
    [InlineData("_Z3fibj", "fib(unsigned int)")]
    [InlineData("_Z3foo", "foo")]
    [InlineData("._Z3foov", ".foo()")]
    [InlineData("$_Z3foov", "foo()")]
    [InlineData("._ZN3foo3barEv.cold", ".foo::bar() [clone .cold]")]
    [InlineData("_ZN3fooE", "foo")]
    [InlineData("_ZL6workeriliPm.cold", "worker(int, long, int, unsigned long*) [clone .cold]")]
    [InlineData("_ZN3zoo11apply_twiceIZ4mainEUliE_EEmT_i.constprop.0", "unsigned long zoo::apply_twice<main::{lambda(int)#1}>(main::{lambda(int)#1}, int) [clone .constprop.0]")]
    [InlineData("_ZNVK3zoo2v26TaggedB6tagged3runEm.isra.0", "zoo::v2::Tagged[abi:tagged]::run(unsigned long) const volatile [clone .isra.0]")]
    [InlineData("_ZN3foo3barEv.part.0.lto_priv.0", "foo::bar() [clone .part.0] [clone .lto_priv.0]")]
    [InlineData("_ZTVN3zoo7DiamondE", "vtable for zoo::Diamond")]
    [InlineData("_ZTIN3zoo4BaseE", "typeinfo for zoo::Base")]
    [InlineData("_ZTSN3zoo4BaseE", "typeinfo name for zoo::Base")]
    [InlineData("_ZThn8_N3zoo7Diamond5otherEi", "non-virtual thunk to zoo::Diamond::other(int)")]
    [InlineData("_ZTv0_n24_N3zoo4Left4workEi", "virtual thunk to zoo::Left::work(int)")]
    [InlineData("_ZGVZ4mainE1x", "guard variable for main::x")]
    [InlineData("_ZTTN3zoo7DiamondE", "VTT for zoo::Diamond")]
    [InlineData("_ZTCN3zoo7DiamondE0_NS_4LeftE", "construction vtable for zoo::Left-in-zoo::Diamond")]
    [InlineData("_ZTWN3zoo11tls_counterE", "TLS wrapper function for zoo::tls_counter")]
    [InlineData("_ZTHN3zoo11tls_counterE", "TLS init function for zoo::tls_counter")]
    [InlineData("_ZN3zoo6MatrixIiLi3EEcvbEv", "zoo::Matrix<int, 3>::operator bool()")]
    [InlineData("_ZNK3zoo6MatrixIdLi4EEplERKS1_", "zoo::Matrix<double, 4>::operator+(zoo::Matrix<double, 4> const&) const")]
    [InlineData("_Zli2_kmPKcm", "operator\"\" _k(unsigned long, char const*, unsigned long)")]
    [InlineData("_ZN3zoo6by_ptrEPFmmEMNS_7DiamondEFmiERS2_", "zoo::by_ptr(unsigned long (*)(unsigned long), unsigned long (zoo::Diamond::*)(int), zoo::Diamond&)")]
    [InlineData("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const")]
    [InlineData("_ZN1AUt_3fooEv", "A::{unnamed type#1}::foo()")]
    [InlineData("_ZNSs4swapERSs", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::swap(std::basic_string<char, std::char_traits<char>, std::allocator<char> >&)")]
    [InlineData("_Z1fIJidEEvDpT_", "void f<int, double>(int, double)")]
    [InlineData("_ZN4llvm22containsIrreducibleCFGIPKNS_10BasicBlockEKNS_25ReversePostOrderTraversalIPKNS_8FunctionENS_11GraphTraitsIS7_EEEEKNS_8LoopInfoENS8_IS3_EEEEbRT0_RKT1_", "bool llvm::containsIrreducibleCFG<llvm::BasicBlock const*, llvm::ReversePostOrderTraversal<llvm::Function const*, llvm::GraphTraits<llvm::Function const*> > const, llvm::LoopInfo const, llvm::GraphTraits<llvm::BasicBlock const*> >(llvm::ReversePostOrderTraversal<llvm::Function const*, llvm::GraphTraits<llvm::Function const*> > const&, llvm::LoopInfo const&)")]
    [InlineData("_Z1fDTcl1gfp_EE", "f(decltype (g({parm#1})))")]
    [InlineData("_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place::h0123456789abcdef")]
    [InlineData("_RNvC6_123foo3bar", "123foo[0]::bar")]
    [InlineData("_RINvCs1234_3zoo11generic_sumhKj3_EB2_", "zoo[3c1c0]::generic_sum::<u8, 3: usize>")]
    public void Full_is_cxxfilt(string mangled, string expected) =>
        Assert.Equal(expected, Demangler.Demangle(mangled, DemangleStyle.Full));

    [Theory]
    [InlineData("_Z3fibj", "fib")]
    [InlineData("_ZL6workeriliPm", "worker")]
    [InlineData("_Z5outeriRKSt6vectorIcSaIcEES3_", "outer")]
    [InlineData("_ZNSt6chrono3_V212steady_clock3nowEv", "std::chrono::_V2::steady_clock::now")]
    [InlineData("_ZN3zoo11apply_twiceIZ4mainEUliE_EEmT_i.constprop.0", "zoo::apply_twice<main::{lambda(int)#1}>")]
    [InlineData("_ZNVK3zoo2v26TaggedB6tagged3runEm.isra.0", "zoo::v2::Tagged[abi:tagged]::run")]
    [InlineData("_ZThn8_N3zoo7Diamond5otherEi", "non-virtual thunk to zoo::Diamond::other(int)")]
    [InlineData("_ZTCN3zoo7DiamondE0_NS_4LeftE", "construction vtable for zoo::Left-in-zoo::Diamond")]
    [InlineData("_ZNSsC1Ev", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::basic_string")]
    [InlineData("_ZNSs4swapERSs", "std::string::swap")]
    // OCaml: printed by perf probe -F for a generated shared object (Data/README.md, "OCaml").
    [InlineData("camlStdlib__array__map_154", "Stdlib.array.map_154")]
    [InlineData("camlStdlib__anon_fn$5bstdlib$2eml$3a334$2c0$2d$2d54$5d_1453", "Stdlib.anon_fn[stdlib.ml:334,0--54]_1453")]
    [InlineData("camlStdlib__bytes__$2b$2b_2205", "Stdlib.bytes.++_2205")]
    [InlineData("camlA__", "A.")]
    [InlineData("camlB$4A$4a", "BJJ")]
    [InlineData("camlX$zz", "X$zz")]
    // Java (JIT method names): printed by perf probe -F for a generated shared object (Data/README.md, "Java").
    [InlineData("Ljava/lang/Object;toString()Ljava/lang/String;", "java.lang.Object.toString()")]
    [InlineData("Lcom/example/Foo;bar(I[JLjava/lang/String;Z)V", "com.example.Foo.bar(int, long[], java.lang.String, boolean)")]
    [InlineData("LFoo;baz([[ILFoo;)I", "Foo.baz(int[][], Foo)")]
    [InlineData("Lcom/a/B$Inner;run()V", "com.a.B$Inner.run()")]
    [InlineData("LFoo;<init>()V", "Foo<init>()")]
    [InlineData("Lx;y(Q)V", "x.y(Q)")]
    [InlineData("Lp/q;r(Lp/q;Lp/q;)V", "p.q.r(p.q, p.q)")]
    [InlineData("LA;m([Ljava/lang/String;I)V", "A.m(java.lang.String, int[])")]
    [InlineData("LA;m(V)V", "A.m(void)")]
    [InlineData("LA;m()", "A.m()")]
    [InlineData("LA;m(I)Lx/y;", "A.m(int)")]
    [InlineData("LA;m([)V", "A.m()")]
    [InlineData("LA;m([[Lx;[J)V", "A.m(x, long[][][])")]
    [InlineData("L;m()V", ".m()")]
    [InlineData("LA;1m()V", "A1m()")]
    public void Perf_is_perf(string mangled, string expected) =>
        Assert.Equal(expected, Demangler.Demangle(mangled, DemangleStyle.Perf));

    [Theory]
    [InlineData("main")]
    [InlineData("main.cold")]
    [InlineData("_Z")]
    [InlineData("_Z1fS_")]
    [InlineData("_Z1fIT_Ev")]
    [InlineData("_R")]
    [InlineData("camlfoo")]
    [InlineData(".._Z3foov")]
    [InlineData("")]
    public void Not_demangled_returns_null(string name)
    {
        Assert.Null(Demangler.Demangle(name, DemangleStyle.Full));
    }

    // perf printed these unchanged (same generated shared objects as the Java examples).
    [Theory]
    [InlineData("LFoo;m(")]
    [InlineData("X;y()V")]
    [InlineData("foo(bar)")]
    [InlineData("a)b")]
    [InlineData("noparen")]
    [InlineData("LA/B;m/n()V")]
    [InlineData("LA;;m()V")]
    [InlineData("LA;m(L)V")]
    [InlineData("LA;m(Lx/y)V")]
    [InlineData("camlfoo")]
    [InlineData("main.cold")]
    public void Perf_leaves_alone(string name) => Assert.Null(Demangler.Demangle(name, DemangleStyle.Perf));

    [Fact]
    public void Names_over_1024_characters_are_left_alone_like_libiberty()
    {
        string ok = "_Z1017" + new string('a', 1017) + "v";
        string tooLong = "_Z1018" + new string('a', 1018) + "v";
        Assert.Equal(1024, ok.Length);
        Assert.NotNull(Demangler.Demangle(ok, DemangleStyle.Full));
        Assert.Null(Demangler.Demangle(tooLong, DemangleStyle.Full));
        Assert.Null(Demangler.Demangle(tooLong, DemangleStyle.Perf));
    }
}
