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
    // Expressions in signatures (decltype, folds, casts, new, noexcept, sizeof..., requires): every symbol of a
    // C++20 test file compiled with g++ 12 (-std=c++20 -O0), with c++filt's output.
    [InlineData("_Z2ccIPiEDTccT_fp_ES1_", "decltype (const_cast<int*>({parm#1})) cc<int*>(int*)")]
    [InlineData("_Z2dlIiEDTdlfp_EPT_", "decltype (delete {parm#1}) dl<int>(int*)")]
    [InlineData("_Z2gtIiEDTgtfp_fp_ET_", "decltype (({parm#1}>{parm#1})) gt<int>(int)")]
    [InlineData("_Z2ilIiEDTtlT_fp_EES0_", "decltype (int{{parm#1}}) il<int>(int)")]
    [InlineData("_Z2nwIiEDTnw_T_pifp_EES0_", "decltype (new int({parm#1})) nw<int>(int)")]
    [InlineData("_Z2nxIiEDTplfp_Li1EET_", "decltype ({parm#1}+(1)) nx<int>(int)")]
    [InlineData("_Z2rcIPiEDTrcPcfp_ET_", "decltype (reinterpret_cast<char*>({parm#1})) rc<int*>(int*)")]
    [InlineData("_Z2scIiEDTsclfp_ET_", "decltype (static_cast<long>({parm#1})) sc<int>(int)")]
    [InlineData("_Z2spI1SEDTcldtcl7declvalIT_EE4sizeEES1_", "decltype ((((declval<S>)()).size)()) sp<S>(S)")]
    [InlineData("_Z3defIiEiT_i", "int def<int>(int, int)")]
    [InlineData("_Z3idxIPiEDTixfp_Li0EET_", "decltype ({parm#1}[0]) idx<int*>(int*)")]
    [InlineData("_Z3memI1SEDtdtfp_1xET_", "decltype ({parm#1}.x) mem<S>(S)")]
    [InlineData("_Z3negIiEDTngfp_ET_", "decltype (-{parm#1}) neg<int>(int)")]
    [InlineData("_Z3nwaIiEDTna_A4_T_EES0_", "decltype (new int (nwa<int>(int)) [4])")]
    [InlineData("_Z3reqIlEiT_", "int req<long>(long)")]
    [InlineData("_Z3shrIiEDTrsfp_Li1EET_", "decltype ({parm#1}>>(1)) shr<int>(int)")]
    [InlineData("_Z3usev", "use()")]
    [InlineData("_Z4callI1SEDTclfp_Li1ELi2EEET_", "decltype ({parm#1}(1, 2)) call<S>(S)")]
    [InlineData("_Z4castIiEDTcvlfp_ET_", "decltype ((long){parm#1}) cast<int>(int)")]
    [InlineData("_Z4condIiEDTqufp_fp_fp_ET_", "decltype ({parm#1}?{parm#1} : {parm#1}) cond<int>(int)")]
    [InlineData("_Z4incrIiEDTppfp_ET_", "decltype ({parm#1}++) incr<int>(int)")]
    [InlineData("_Z4ptrmI1SEDTdsfp_fp0_ET_MS2_i", "decltype ({parm#1}.*{parm#2}) ptrm<S>(S, int S::*)")]
    [InlineData("_Z4szofIiEDTplplszfp_stT_atS0_ES0_", "_Z4szofIiEDTplplszfp_stT_atS0_ES0_")]
    [InlineData("_Z4tmplILi3EE1IIXplmlT_Li2ELi1EEES0_IXT_EE", "I<((3)*(2))+(1)> tmpl<3>(I<3>)")]
    [InlineData("_Z5arrowIP1SEDtptfp_1xET_", "decltype ({parm#1}->x) arrow<S*>(S*)")]
    [InlineData("_Z5countIJiiiEEPAplsZT_Li1E_cDpT_", "char (*count<int, int, int>(int, int, int)) [(3)+(1)]")]
    [InlineData("_Z7preincrIiEDTpp_fp_ET_", "decltype (++{parm#1}) preincr<int>(int)")]
    [InlineData("_Z8fold_sumIJiiiEEDTfrplfp_EDpT_", "decltype (({parm#1}+...)) fold_sum<int, int, int>(int, int, int)")]
    [InlineData("_Z9fold_initIJiiEEDTfLplLi0Efp_EDpT_", "decltype (((0)+...+{parm#1})) fold_init<int, int>(int, int)")]
    [InlineData("_Z9fold_lsumIJilEEDTflplfp_EDpT_", "decltype ((...+{parm#1})) fold_lsum<int, long>(int, long)")]
    [InlineData("_ZN1SC1Eii", "S::S(int, int)")]
    [InlineData("_ZN1SC2Eii", "S::S(int, int)")]
    [InlineData("_ZN1SC5Eii", "S::S(int, int)")]
    [InlineData("_ZNK1SclEii", "S::operator()(int, int) const")]
    [InlineData("_ZZ3defIiEiT_iE1z", "def<int>(int, int)::z")]
    [InlineData("_ZZ3defIiEiT_iENKUlS0_E_clIiEEDaS0_", "auto def<int>(int, int)::{lambda(auto:1)#1}::operator()<int>(int) const")]
    [InlineData("_Z1fIiEDTmmplfp_fp_ET_", "decltype (({parm#1}+{parm#1})--) f<int>(int)")]
    [InlineData("_Z1fIiEDTpp_plfp_fp_ET_", "decltype (++({parm#1}+{parm#1})) f<int>(int)")]
    public void Full_is_cxxfilt(string mangled, string expected) =>
        Assert.Equal(expected, Demangler.Demangle(mangled, DemangleStyle.Full) ?? mangled); // c++filt echoes what it cannot demangle

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
