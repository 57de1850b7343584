#include <utility>
#include <cstddef>
#include <new>
template <class... T> auto fold_sum(T... t) -> decltype((t + ...)) { return (t + ...); }
template <class... T> auto fold_lsum(T... t) -> decltype((... + t)) { return (... + t); }
template <class... T> auto fold_init(T... t) -> decltype((0 + ... + t)) { return (0 + ... + t); }
template <class... T> auto count(T...) -> char(*)[sizeof...(T) + 1] { return nullptr; }
template <class T> auto sc(T t) -> decltype(static_cast<long>(t)) { return t; }
template <class T> auto rc(T t) -> decltype(reinterpret_cast<char*>(t)) { return nullptr; }
template <class T> auto cc(T t) -> decltype(const_cast<T>(t)) { return t; }
template <class T> auto cast(T t) -> decltype((long)t) { return t; }
template <class T> auto nw(T t) -> decltype(new T(t)) { return nullptr; }
template <class T> auto nwa(T t) -> decltype(new T[4]) { return nullptr; }
template <class T> auto dl(T* t) -> decltype(delete t) { }
template <class T> auto cond(T t) -> decltype(t ? t : t) { return t; }
template <class T> auto neg(T t) -> decltype(-t) { return -t; }
template <class T> auto incr(T t) -> decltype(t++) { return t; }
template <class T> auto preincr(T t) -> decltype(++t) { return t; }
template <class T> auto idx(T t) -> decltype(t[0]) { return t[0]; }
template <class T> auto mem(T t) -> decltype(t.x) { return t.x; }
template <class T> auto arrow(T t) -> decltype(t->x) { return t->x; }
template <class T> auto call(T t) -> decltype(t(1, 2)) { return t(1, 2); }
template <class T> auto szof(T t) -> decltype(sizeof(t) + sizeof(T) + alignof(T)) { return 0; }
template <class T> auto nx(T t) noexcept(noexcept(t + 1)) -> decltype(t + 1) { return t + 1; }
template <class T> auto il(T t) -> decltype(T{t}) { return T{t}; }
template <class T> auto gt(T t) -> decltype(t > t) { return t > t; }
template <class T> auto shr(T t) -> decltype(t >> 1) { return t >> 1; }
template <class T> auto sp(T t) -> decltype(std::declval<T>().size()) { return 0; }
template <int N> struct I { int x; };
template <int N> auto tmpl(I<N> i) -> I<N * 2 + 1> { return {}; }
template <bool B> auto tb(I<B>) -> I<!B> { return {}; }
template <class T> auto ptrm(T t, int T::*p) -> decltype(t.*p) { return t.*p; }
struct S { int x; int size() const { return 0; } int operator()(int, int) const { return 0; } S(int = 0, int = 0) {} };
template <class T> requires (sizeof(T) > 1) int req(T) { return 1; }
template <class T> int def(T t, int y = sizeof(T)) { struct L { int v; }; static int z; return [](auto q) { return q; }(t) + y + z; }
int use() {
  S s; int a[2] = {1, 2}; int* p = a; S* ps = &s;
  fold_sum(1, 2, 3); fold_lsum(1, 2L); fold_init(1, 2); count(1, 2, 3); sc(1); rc(p); cc(p); cast(1); nw(1); nwa(1);
  dl(p); cond(1); neg(1); incr(1); preincr(1); idx(p); mem(s); arrow(ps); call(s); szof(1); nx(1); il(1); gt(1); shr(1); sp(s);
  tmpl(I<3>{}); ptrm(s, &S::x); req(1L); def(s.x);
  return 0;
}
