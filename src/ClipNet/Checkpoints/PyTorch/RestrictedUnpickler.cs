using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ClipNet.Checkpoints;

/// <summary>
/// A pickle virtual machine (protocols 0 to 5) that builds plain data and nothing else. Python's unpickler
/// imports any module and calls any callable a pickle names, so loading an untrusted checkpoint with it
/// runs arbitrary code. Here a global is only a value handed out by <c>resolveGlobal</c> (null means
/// refused), REDUCE can only call an <see cref="IPickleCallable"/>, NEWOBJ can only instantiate an
/// <see cref="IPickleClass"/>, BUILD can only update an <see cref="IPickleStateful"/>, and the opcodes
/// that exist only to construct arbitrary objects (INST, OBJ, EXT*, out-of-band buffers) are refused.
/// The machine is iterative (no recursion however deep the pickle nests) and its work is bounded: the pickle's
/// size, the values it creates, the memo, MARK nesting and the digits of a text integer all have limits far above
/// what a checkpoint uses, so a small hostile pickle can neither exhaust memory nor spin.
/// </summary>
sealed class RestrictedUnpickler
{
    /// <summary>A state dict's pickle is a few bytes per tensor: even with optimizer state, megabytes.</summary>
    public const int MaxPickleBytes = 256 << 20;
    // A checkpoint's pickle creates a handful of values per tensor; these bounds keep a crafted one to a few GB at most.
    const long MaxValues = 20_000_000, MaxMemoEntries = 10_000_000;
    const int MaxMarkDepth = 10_000;
    // As CPython since 3.11 (sys.int_info.str_digits_check_threshold): parsing longer decimal ints is quadratic.
    const int MaxTextIntDigits = 4300;

    readonly string source;
    readonly byte[] data;
    readonly Func<string, string, object?> resolveGlobal;
    readonly Func<object?, object?> persistentLoad;
    int position;
    long values;
    List<object?> stack = new();
    readonly Stack<List<object?>> marks = new();
    readonly Dictionary<long, object?> memo = new();

    RestrictedUnpickler(string source, byte[] data, Func<string, string, object?> resolveGlobal, Func<object?, object?> persistentLoad)
    {
        this.source = source; this.data = data; this.resolveGlobal = resolveGlobal; this.persistentLoad = persistentLoad;
    }

    /// <param name="source">Names the pickle in error messages (file and archive member).</param>
    /// <param name="resolveGlobal">Maps (module, name) to the value standing for that global, or null to refuse it.</param>
    /// <param name="persistentLoad">Resolves a persistent id (PyTorch: a storage reference).</param>
    public static object? Load(string source, byte[] data, Func<string, string, object?> resolveGlobal, Func<object?, object?> persistentLoad)
    {
        if (data.Length > MaxPickleBytes)
            throw new ClipNetException($"{source}: the pickle is {data.Length} bytes; a checkpoint's pickle is far below the {MaxPickleBytes}-byte limit");
        var unpickler = new RestrictedUnpickler(source, data, resolveGlobal, persistentLoad);
        try { return unpickler.Run(); }
        catch (PickleException e) { throw new ClipNetException($"{source}: {e.Message}"); }
        catch (Exception e) when (e is InvalidCastException or ArgumentException or FormatException or OverflowException)
        {
            throw new ClipNetException($"{source}: corrupt pickle at byte {unpickler.position} ({e.Message})");
        }
    }

    object? Run()
    {
        while (true)
        {
            if (position >= data.Length) throw Corrupt("the pickle ends without a STOP opcode (truncated?)");
            byte opcode = data[position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                    if (Byte() > 5) throw Corrupt("unsupported pickle protocol");
                    break;
                case 0x95: Bytes(8); break; // FRAME: framing is only a read-ahead hint
                case (byte)'.': return Pop(); // STOP

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)Byte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case 0x8a: Push(Long(Bytes(Byte()))); break; // LONG1
                case 0x8b: Push(Long(Bytes(Length(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4)))))); break; // LONG4
                case (byte)'I': Push(TextInt(Line())); break;
                case (byte)'L': Push(Long(ParseBigInteger(Line().TrimEnd('L')))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;
                case (byte)'F': Push(double.Parse(Line(), CultureInfo.InvariantCulture)); break;

                case (byte)'X': Push(Utf8(Bytes(Length(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))))); break;
                case 0x8c: Push(Utf8(Bytes(Byte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Bytes(Length(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8)))))); break; // BINUNICODE8
                case (byte)'V': Push(RawUnicodeEscape(Line())); break;
                case (byte)'T': Push(Latin1(Bytes(Length(BinaryPrimitives.ReadInt32LittleEndian(Bytes(4)))))); break;
                case (byte)'U': Push(Latin1(Bytes(Byte()))); break;
                case (byte)'S': Push(QuotedString(Line())); break;
                case (byte)'B': Push(Bytes(Length(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))).ToArray()); break;
                case (byte)'C': Push(Bytes(Byte()).ToArray()); break;
                case 0x8e: case 0x96: Push(Bytes(Length(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8)))).ToArray()); break;

                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'t': Push(PopMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark()); break;
                case (byte)'a': { var item = Pop(); TopAs<List<object?>>("APPEND").Add(item); break; }
                case (byte)'e': { var items = PopMark(); TopAs<List<object?>>("APPENDS").AddRange(items); break; }
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'d': { var items = PopMark(); var dict = new PickleDict(); SetItems(dict, items); Push(dict); break; }
                case (byte)'s': { var value = Pop(); var key = Pop(); TopAs<PickleDict>("SETITEM").Set(key, value); break; }
                case (byte)'u': { var items = PopMark(); SetItems(TopAs<PickleDict>("SETITEMS"), items); break; }
                case 0x8f: Push(new PickleSet()); break;
                case 0x90: { var items = PopMark(); TopAs<PickleSet>("ADDITEMS").Items.AddRange(items); break; }
                case 0x91: { var set = new PickleSet(); set.Items.AddRange(PopMark()); Push(set); break; }

                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': Push(Top()); break;
                case (byte)'(':
                    if (marks.Count >= MaxMarkDepth) throw Corrupt($"MARKs nested more than {MaxMarkDepth} deep");
                    marks.Push(stack); stack = new List<object?>();
                    break;

                case (byte)'p': Memoize(long.Parse(Line(), CultureInfo.InvariantCulture)); break;
                case (byte)'q': Memoize(Byte()); break;
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))); break;
                case 0x94: Memoize(memo.Count); break; // MEMOIZE
                case (byte)'g': Push(Memo(long.Parse(Line(), CultureInfo.InvariantCulture))); break;
                case (byte)'h': Push(Memo(Byte())); break;
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break;

                case (byte)'c': { string module = Line(); string name = Line(); Push(Global(module, name)); break; }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop(); var module = Pop();
                    if (module is not string m || name is not string n) throw Corrupt("STACK_GLOBAL needs two strings");
                    Push(Global(m, n));
                    break;
                }
                case (byte)'P': Push(persistentLoad(Line())); break;
                case (byte)'Q': Push(persistentLoad(Pop())); break;
                case (byte)'R': // REDUCE
                {
                    var args = Pop(); var callable = Pop();
                    if (callable is not IPickleCallable function)
                        throw new PickleException($"refused to unpickle: REDUCE calls {Describe(callable)}, which is not an allowed function");
                    Push(function.Call(args as object?[] ?? throw Corrupt($"REDUCE of {function.Name} without an argument tuple")));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    var args = Pop(); var cls = Pop();
                    Push(New(cls, args));
                    break;
                }
                case 0x92: // NEWOBJ_EX
                {
                    var kwargs = Pop(); var args = Pop(); var cls = Pop();
                    if (kwargs is not PickleDict { Entries.Count: 0 })
                        throw new PickleException($"refused to unpickle: NEWOBJ_EX of {Describe(cls)} with keyword arguments");
                    Push(New(cls, args));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    if (Top() is not IPickleStateful target)
                        throw new PickleException($"refused to unpickle: BUILD sets the state of {Describe(Top())}, which is not an allowed object");
                    target.SetState(state);
                    break;
                }
                case (byte)'i': // INST
                {
                    string module = Line(); string name = Line();
                    throw new PickleException($"refused to unpickle: INST instantiates the global '{module}.{name}' (a checkpoint must never run code)");
                }
                case (byte)'o': // OBJ
                {
                    var items = PopMark();
                    throw new PickleException($"refused to unpickle: OBJ instantiates {(items.Count > 0 ? Describe(items[0]) : "an object")} (a checkpoint must never run code)");
                }
                case 0x82: case 0x83: case 0x84:
                    throw new PickleException("refused to unpickle: EXT opcodes load globals from the copyreg extension registry");
                case 0x97: case 0x98:
                    throw new PickleException("refused to unpickle: out-of-band buffers (pickle protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not supported");
                default:
                    throw Corrupt($"unknown pickle opcode 0x{opcode:x2}");
            }
        }
    }

    object? Global(string module, string name) =>
        resolveGlobal(module, name) ?? throw new PickleException(
            $"refused to unpickle: the pickle asks for the global '{module}.{name}', which a checkpoint has no use for; " +
            "only tensors, storages and plain containers are allowed (a checkpoint must never run code)");

    static object New(object? cls, object? args)
    {
        if (cls is not IPickleClass type)
            throw new PickleException($"refused to unpickle: NEWOBJ instantiates {Describe(cls)}, which is not an allowed class");
        return type.New(args as object?[] ?? throw new PickleException($"corrupt pickle: NEWOBJ of {type.Name} without an argument tuple"));
    }

    static void SetItems(PickleDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleException("corrupt pickle: odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
    }

    static string Describe(object? value) => value switch
    {
        IPickleGlobal g => $"'{g.Name}'",
        null => "None",
        string s => $"the string '{s}'",
        PickleDict => "a dict",
        List<object?> => "a list",
        object?[] => "a tuple",
        PickleSet => "a set",
        bool => "a bool",
        long or BigInteger => "an int",
        double => "a float",
        byte[] => "a bytes value",
        _ => value.ToString() ?? value.GetType().Name,
    };

    void Push(object? value)
    {
        if (++values > MaxValues) throw Corrupt($"more than {MaxValues} values; no checkpoint needs that many");
        stack.Add(value);
    }

    void Memoize(long key)
    {
        if (memo.Count >= MaxMemoEntries && !memo.ContainsKey(key)) throw Corrupt($"more than {MaxMemoEntries} memo entries");
        memo[key] = Top();
    }

    object? Top() => stack.Count > 0 ? stack[^1] : throw Corrupt("stack underflow");

    object? Pop()
    {
        var value = Top();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    T TopAs<T>(string opcode) where T : class =>
        Top() as T ?? throw new PickleException($"refused to unpickle: {opcode} on {Describe(Top())}, which is not a {typeof(T).Name}");

    List<object?> PopMark()
    {
        if (marks.Count == 0) throw Corrupt("no MARK on the stack");
        var items = stack;
        stack = marks.Pop();
        return items;
    }

    object? Memo(long key) => memo.TryGetValue(key, out var value) ? value : throw Corrupt($"memo key {key} is not defined");

    byte Byte() => Bytes(1)[0];

    ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0 || count > data.Length - position) throw Corrupt("the pickle ends in the middle of an opcode (truncated?)");
        var span = data.AsSpan(position, count);
        position += count;
        return span;
    }

    int Length(long length) =>
        length >= 0 && length <= data.Length - position ? (int)length : throw Corrupt($"a {length}-byte value runs past the end of the pickle (truncated?)");

    int Length(ulong length) => Length(length > long.MaxValue ? -1 : (long)length);

    string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', position);
        if (end < 0) throw Corrupt("the pickle ends in the middle of a text opcode (truncated?)");
        string line = Encoding.ASCII.GetString(data, position, end - position);
        position = end + 1;
        return line;
    }

    static object Long(ReadOnlySpan<byte> littleEndian) => Long(new BigInteger(littleEndian, isUnsigned: false, isBigEndian: false));

    // The cast to object matters: `cond ? (long)v : v` would convert the long back to a BigInteger, and every
    // LONG1-encoded int (Python's choice for ints of 2^31 and above) would then fail the checks for a long.
    static object Long(BigInteger value) => value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;

    static BigInteger ParseBigInteger(string text) =>
        text.Length <= MaxTextIntDigits + 1
            ? BigInteger.Parse(text, CultureInfo.InvariantCulture)
            : throw new PickleException($"corrupt pickle: a text integer of {text.Length} digits (the limit is {MaxTextIntDigits})");

    // Protocol 0 spells booleans as INT "01" / "00".
    static object TextInt(string text) => text switch
    {
        "01" => true,
        "00" => false,
        _ => Long(ParseBigInteger(text)),
    };

    static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    static string RawUnicodeEscape(string text)
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 5 < text.Length && text[i + 1] == 'u')
            { result.Append((char)Convert.ToInt32(text.Substring(i + 2, 4), 16)); i += 5; }
            else if (text[i] == '\\' && i + 9 < text.Length && text[i + 1] == 'U')
            { result.Append(char.ConvertFromUtf32(Convert.ToInt32(text.Substring(i + 2, 8), 16))); i += 9; }
            else result.Append(text[i]);
        }
        return result.ToString();
    }

    // Protocol 0 STRING: a Python bytes repr in quotes, decoded as Latin-1 like Python 3 does for old pickles.
    static string QuotedString(string text)
    {
        if (text.Length < 2 || text[0] != text[^1] || (text[0] != '\'' && text[0] != '"'))
            throw new PickleException("corrupt pickle: STRING argument is not quoted");
        var result = new StringBuilder();
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c != '\\' || i + 1 >= text.Length - 1) { result.Append(c); continue; }
            char e = text[++i];
            switch (e)
            {
                case 'n': result.Append('\n'); break;
                case 't': result.Append('\t'); break;
                case 'r': result.Append('\r'); break;
                case 'x' when i + 2 < text.Length - 1:
                    result.Append((char)Convert.ToInt32(text.Substring(i + 1, 2), 16)); i += 2; break;
                default: result.Append(e); break;
            }
        }
        return result.ToString();
    }

    PickleException Corrupt(string problem) => new($"corrupt pickle at byte {position}: {problem}");
}
