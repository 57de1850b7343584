using Stackweave.Formats.PerfData;
using Stackweave.Formats.Model;
using Stackweave.Merge.Symbols;

namespace Stackweave.Tests.Symbols;

public class MappingClassifierTests
{
    [Theory]
    [InlineData("[kernel.kallsyms]_text", false, MappingKind.Kernel)]
    [InlineData("[kernel.kallsyms]", false, MappingKind.Kernel)]
    [InlineData("/lib/modules/6.1.0/kernel/arch/x86/kvm/kvm.ko", true, MappingKind.KernelModule)]
    [InlineData("[vdso]", false, MappingKind.Vdso)]
    [InlineData("//anon", false, MappingKind.Anonymous)]
    [InlineData("[anon:dalvik-jit-code-cache]", false, MappingKind.Anonymous)]
    [InlineData("[heap]", false, MappingKind.Anonymous)]
    [InlineData("[stack]", false, MappingKind.Anonymous)]
    [InlineData("/dev/zero (deleted)", false, MappingKind.Anonymous)]
    [InlineData("/tmp/perf-4242.map", false, MappingKind.Jit)]
    [InlineData("/tmp/perf-x.map", false, MappingKind.User)]
    [InlineData("/usr/lib/x86_64-linux-gnu/libc.so.6", false, MappingKind.User)]
    [InlineData("", false, MappingKind.Unknown)]
    public void ClassifiesLikePerf(string path, bool kernelSpace, MappingKind expected) =>
        Assert.Equal(expected, MappingClassifier.Classify(path, kernelSpace));

    [Fact]
    public void KallsymsFromNonSeekableStream()
    {
        var bytes = "ffffffff81000000 T _text\n"u8.ToArray();
        var k = Kallsyms.Load(new NonSeekable(bytes), "pipe");
        Assert.Equal("_text", k.Find(0xffffffff81000001)!.Value.Name);
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private int _pos;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, data.Length - _pos);
            Array.Copy(data, _pos, buffer, offset, n);
            _pos += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
