namespace Stackweave.Merge.Symbols.Demangle;

/// <summary>Kinds of nodes in a parsed Itanium name; they mirror the component kinds of libiberty's cp-demangle.</summary>
internal enum NodeKind : byte
{
    Name,
    QualName,
    LocalName,
    TypedName,
    Template,
    TemplateParam,
    FunctionParam,
    Ctor,
    Dtor,
    Vtable,
    Vtt,
    ConstructionVtable,
    Typeinfo,
    TypeinfoName,
    TypeinfoFn,
    Thunk,
    VirtualThunk,
    CovariantThunk,
    JavaClass,
    Guard,
    TlsInit,
    TlsWrapper,
    RefTemp,
    HiddenAlias,
    TransactionClone,
    NonTransactionClone,
    TparmObj,
    SubStd,
    Restrict,
    Volatile,
    Const,
    RestrictThis,
    VolatileThis,
    ConstThis,
    ReferenceThis,
    RvalueReferenceThis,
    TransactionSafe,
    Noexcept,
    ThrowSpec,
    VendorTypeQual,
    Pointer,
    Reference,
    RvalueReference,
    Complex,
    Imaginary,
    BuiltinType,
    VendorType,
    FunctionType,
    ArrayType,
    PtrmemType,
    VectorType,
    ArgList,
    TemplateArgList,
    InitializerList,
    Operator,
    ExtendedOperator,
    Cast,
    Conversion,
    Nullary,
    Unary,
    Binary,
    BinaryArgs,
    Trinary,
    TrinaryArg1,
    TrinaryArg2,
    Literal,
    LiteralNeg,
    Number,
    Decltype,
    Lambda,
    DefaultArg,
    UnnamedType,
    PackExpansion,
    TaggedName,
    Clone,
    GlobalCtors,
    GlobalDtors,
}

/// <summary>How a builtin type prints as a literal (libiberty d_builtin_type_print).</summary>
internal enum BuiltinPrint : byte
{
    Default,
    Int,
    Unsigned,
    Long,
    UnsignedLong,
    LongLong,
    UnsignedLongLong,
    Bool,
    Float,
    Void,
}

/// <summary>An operator of the Itanium expression grammar: its code, printed text and arity.</summary>
internal sealed class OperatorInfo
{
    public OperatorInfo(string code, string name, int args)
    {
        Code = code;
        Name = name;
        Args = args;
    }

    /// <summary>Two-letter mangled code.</summary>
    public string Code { get; }

    /// <summary>Printed text (may end with a space, e.g. "sizeof ").</summary>
    public string Name { get; }

    /// <summary>Number of operands.</summary>
    public int Args { get; }
}

/// <summary>One node of a parsed Itanium name.</summary>
internal sealed class Node
{
    public Node(NodeKind kind, Node? left, Node? right)
    {
        Kind = kind;
        Left = left;
        Right = right;
    }

    public NodeKind Kind;
    public Node? Left;
    public Node? Right;

    /// <summary>Text of Name/SubStd/BuiltinType nodes.</summary>
    public string? Text;

    /// <summary>Number of TemplateParam, FunctionParam, Lambda, UnnamedType, DefaultArg, ExtendedOperator args.</summary>
    public int Num;

    /// <summary>Literal print style of a BuiltinType.</summary>
    public BuiltinPrint Print;

    /// <summary>Operator of an Operator node.</summary>
    public OperatorInfo? Op;

    /// <summary>How many times this node is being printed right now (cycle guard, libiberty d_printing).</summary>
    public int Printing;

    public bool IsFnQual => Kind is NodeKind.RestrictThis or NodeKind.VolatileThis or NodeKind.ConstThis
        or NodeKind.ReferenceThis or NodeKind.RvalueReferenceThis or NodeKind.TransactionSafe
        or NodeKind.Noexcept or NodeKind.ThrowSpec;
}
