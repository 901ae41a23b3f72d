using System.Buffers.Binary;
using System.Text;

namespace ClipNet.Tests.Checkpoints;

/// <summary>
/// Writes pickle opcodes by hand, following the opcode table of Python's `pickletools` / PEP 307 / PEP 3154,
/// so tests can build exactly the byte streams torch.save, torch.jit.save or an attacker would produce.
/// </summary>
sealed class PickleBuilder
{
    readonly MemoryStream bytes = new();

    public PickleBuilder Proto(byte version) => Op(0x80).Raw(version);
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Dup() => Op((byte)'2');
    public PickleBuilder None() => Op((byte)'N');
    public PickleBuilder Bool(bool value) => Op(value ? (byte)0x88 : (byte)0x89);

    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and < 256) return Op((byte)'K').Raw((byte)value);
        if (value is >= 0 and < 65536) return Op((byte)'M').Raw(BitConverter.GetBytes((ushort)value));
        if (value is >= int.MinValue and <= int.MaxValue) return Op((byte)'J').Raw(BitConverter.GetBytes((int)value));
        return Op(0x8a).Raw(8).Raw(BitConverter.GetBytes(value)); // LONG1, 8 bytes two's complement
    }

    /// <summary>LONG1 with 8 bytes even for a small value: how Python writes ints of 2^31 and above, valid for any int.</summary>
    public PickleBuilder Long1(long value) => Op(0x8a).Raw(8).Raw(BitConverter.GetBytes(value));

    public PickleBuilder Float(double value)
    {
        var buffer = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(buffer, value);
        return Op((byte)'G').Raw(buffer);
    }

    /// <summary>BINUNICODE: 4-byte length and UTF-8.</summary>
    public PickleBuilder Unicode(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        return Op((byte)'X').Raw(BitConverter.GetBytes((uint)utf8.Length)).Raw(utf8);
    }

    /// <summary>SHORT_BINUNICODE (protocol 4).</summary>
    public PickleBuilder ShortUnicode(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        return Op(0x8c).Raw((byte)utf8.Length).Raw(utf8);
    }

    /// <summary>GLOBAL: "module\nname\n".</summary>
    public PickleBuilder Global(string module, string name) => Op((byte)'c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder StackGlobal() => Op(0x93);
    public PickleBuilder Inst(string module, string name) => Op((byte)'i').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder Obj() => Op((byte)'o');

    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder Tuple1() => Op(0x85);
    public PickleBuilder Tuple2() => Op(0x86);
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder Append() => Op((byte)'a');
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder NewObj() => Op(0x81);
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder BinPut(byte index) => Op((byte)'q').Raw(index);
    public PickleBuilder BinGet(byte index) => Op((byte)'h').Raw(index);

    public PickleBuilder IntTuple(params long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    /// <summary>
    /// A tensor the way torch's picklers write one: REDUCE of `torch._utils._rebuild_tensor_v2` on
    /// (persistent storage id, storage offset, size, stride, requires_grad, OrderedDict() hooks), the
    /// persistent id being ('storage', torch.&lt;Type&gt;Storage, key, 'cpu', element count).
    /// </summary>
    public PickleBuilder Tensor(string storageType, string key, long storageElements, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Unicode("storage").Global("torch", storageType).Unicode(key).Unicode("cpu").Int(storageElements).Tuple().BinPersId();
        Int(offset).IntTuple(size).IntTuple(stride).Bool(false);
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => bytes.ToArray();

    PickleBuilder Op(byte opcode) => Raw(opcode);

    PickleBuilder Raw(byte value)
    {
        bytes.WriteByte(value);
        return this;
    }

    PickleBuilder Raw(byte[] value)
    {
        bytes.Write(value);
        return this;
    }
}
